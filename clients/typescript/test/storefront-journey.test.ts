/**
 * A customer's whole journey through the SDK, against a live server (NOVACART_API_URL)
 * whose Stripe is localstripe (LOCALSTRIPE_URL, LOCALSTRIPE_SECRET_KEY). The server must
 * hold at least two active products in stock, one of them in a category; localstripe must
 * send its webhooks to the server. config/tests/test_sdk_journey.py sets all this up.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { createStorefrontClient } from "../src/index.js";

const API_URL = required("NOVACART_API_URL");
const LOCALSTRIPE_URL = required("LOCALSTRIPE_URL");
const LOCALSTRIPE_SECRET_KEY = required("LOCALSTRIPE_SECRET_KEY");

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`Set ${name}.`);
  }
  return value;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer; otherwise fails with the status and the error body. */
function ok<T>({ data, error, response }: Answer<T>, what: string, status?: number): T {
  if (data === undefined) {
    throw new Error(`${what}: ${response.status} ${JSON.stringify(error)}`);
  }
  if (status !== undefined) {
    assert.equal(response.status, status, `${what}: status`);
  }
  return data;
}

/** localstripe's REST API, form-encoded like Stripe's; the new object's id. */
async function localstripe(path: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(`${LOCALSTRIPE_URL}/v1/${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${LOCALSTRIPE_SECRET_KEY}` },
    body: new URLSearchParams(form),
  });
  const body: unknown = await response.json();
  assert.equal(response.status, 200, `localstripe ${path}: ${JSON.stringify(body)}`);
  assert.ok(typeof body === "object" && body !== null && "id" in body);
  assert.ok(typeof body.id === "string");
  return body.id;
}

/**
 * Stripe.js confirming a card payment, in the two steps localstripe supports (it cannot
 * confirm with a payment method, so the intent gets its method first). localstripe also
 * wants a secret key where Stripe.js would send the publishable key with the client secret.
 */
async function pay(intentId: string, card: string): Promise<void> {
  const method = await localstripe("payment_methods", {
    type: "card",
    "card[number]": card,
    "card[exp_month]": "12",
    "card[exp_year]": "2030",
    "card[cvc]": "123",
  });
  await localstripe(`payment_intents/${intentId}`, { payment_method: method });
  await localstripe(`payment_intents/${intentId}/confirm`, {});
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test("a customer registers, shops, pays through Stripe and cancels a second order", {
  timeout: 120_000,
}, async () => {
  let access: string | undefined;
  const api = createStorefrontClient(API_URL, { accessToken: () => access });
  const email = `journey-${randomUUID()}@example.com`;
  const password = "a long journey password 42";

  // Register, log in, refresh (the refresh token rotates: the old one is refused).
  const user = ok(
    await api.POST("/api/auth/register/", {
      body: { email, password, first_name: "Jo", last_name: "Urney" },
    }),
    "register",
    201,
  );
  assert.equal(user.email, email);
  const login = ok(await api.POST("/api/token/", { body: { email, password } }), "log in");
  const refreshed = ok(
    await api.POST("/api/token/refresh/", { body: { refresh: login.refresh } }),
    "refresh",
  );
  const replayed = await api.POST("/api/token/refresh/", { body: { refresh: login.refresh } });
  assert.equal(replayed.response.status, 401, "a rotated refresh token is refused");
  access = refreshed.access;
  const me = ok(await api.GET("/api/auth/me/"), "me");
  assert.equal(me.id, user.id);

  // Browse, filter by category, search, paginate.
  const all = ok(await api.GET("/api/products/"), "products");
  assert.ok(all.count >= 2, "the server holds at least two products");
  const category = ok(await api.GET("/api/categories/"), "categories").find(
    (each) => each.product_count > 0,
  );
  assert.ok(category, "a category with products");
  const inCategory = ok(
    await api.GET("/api/products/", { params: { query: { category: category.slug } } }),
    "products of a category",
  );
  assert.ok(inCategory.items.length > 0);
  assert.ok(inCategory.items.every((each) => each.category?.slug === category.slug));
  const [first, second] = all.items;
  assert.ok(first && second);
  const found = ok(
    await api.GET("/api/products/", { params: { query: { search: first.sku } } }),
    "search",
  );
  assert.deepEqual(
    found.items.map((each) => each.id),
    [first.id],
  );
  const cheapest = ok(
    await api.GET("/api/products/", { params: { query: { ordering: "price", in_stock: true } } }),
    "ordering",
  );
  const prices = cheapest.items.map((each) => Number(each.price));
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  const pages = await Promise.all(
    [0, 1].map(async (offset) =>
      ok(await api.GET("/api/products/", { params: { query: { limit: 1, offset } } }), "a page"),
    ),
  );
  assert.deepEqual(
    pages.map((page) => [page.count, page.items.length]),
    [
      [all.count, 1],
      [all.count, 1],
    ],
  );
  assert.notEqual(pages[0]?.items[0]?.id, pages[1]?.items[0]?.id);
  const detail = ok(
    await api.GET("/api/products/{id}/", { params: { path: { id: first.id } } }),
    "product",
  );
  assert.equal(detail.name, first.name);

  // Wishlist.
  const wished = ok(
    await api.POST("/api/products/wishlist/", { body: { product_id: second.id } }),
    "wishlist add",
    201,
  );
  const wishlist = ok(await api.GET("/api/products/wishlist/"), "wishlist");
  assert.deepEqual(
    wishlist.items.map((each) => each.id),
    [wished.id],
  );

  // Cart: add two lines, change a quantity.
  ok(await api.POST("/api/cart/add/", { body: { product_id: first.id, quantity: 1 } }), "add");
  const cart = ok(await api.POST("/api/cart/add/", { body: { product_id: second.id } }), "add");
  const line = cart.items.find((each) => each.product?.id === first.id);
  assert.ok(line);
  const updated = ok(
    await api.PATCH("/api/cart/update/{cart_id}/", {
      params: { path: { cart_id: line.id } },
      body: { quantity: 2 },
    }),
    "update",
  );
  assert.equal(updated.item_count, 3);
  const subtotal = Number(first.price) * 2 + Number(second.price);
  assert.equal(Number(updated.subtotal), subtotal);

  // Address, then checkout; a retry with the same Idempotency-Key is the same order, marked
  // as a replay (200, Idempotent-Replayed).
  const address = ok(
    await api.POST("/api/addresses/", {
      body: {
        full_name: "Jo Urney",
        line1: "1 Market Street",
        city: "Springfield",
        postal_code: "12345",
        country: "US",
      },
    }),
    "address",
    201,
  );
  assert.equal(address.is_default, true, "the first address is the default");
  const checkout = {
    body: { address_id: address.id },
    params: { header: { "Idempotency-Key": randomUUID() } },
  };
  const order = ok(await api.POST("/api/orders/create/", checkout), "checkout", 201);
  assert.equal(order.status, "PENDING");
  assert.equal(Number(order.total), subtotal);
  const replay = await api.POST("/api/orders/create/", checkout);
  const retried = ok(replay, "checkout retried", 200);
  assert.equal(retried.id, order.id);
  assert.equal(replay.response.headers.get("Idempotent-Replayed"), "true");
  assert.equal(ok(await api.GET("/api/cart/"), "cart").item_count, 0, "the cart is emptied");

  // Payment: the intent, Stripe.js's part at localstripe, then the webhook marks it PAID.
  const intent = ok(
    await api.POST("/api/payments/payment-intent/", { body: { order_id: order.id } }),
    "payment intent",
  );
  assert.equal(intent.amount, Math.round(subtotal * 100));
  assert.ok(intent.client_secret.startsWith(intent.payment_intent_id));
  await pay(intent.payment_intent_id, "4242424242424242");
  const orderPath = { params: { path: { order_id: order.id } } };
  await eventually(async () => {
    const seen = ok(await api.GET("/api/orders/{order_id}/", orderPath), "order");
    return seen.status === "PAID";
  }, "the order to be PAID by the payment_intent.succeeded webhook");
  const paid = await api.POST("/api/orders/cancel/{order_id}/", orderPath);
  assert.equal(paid.response.status, 409, "a paid order cannot be cancelled");

  // A second order, left unpaid, is cancelled.
  ok(await api.POST("/api/cart/add/", { body: { product_id: second.id } }), "add again");
  const unpaid = ok(
    await api.POST("/api/orders/create/", { body: { address_id: address.id } }),
    "second checkout",
    201,
  );
  const cancelled = ok(
    await api.POST("/api/orders/cancel/{order_id}/", {
      params: { path: { order_id: unpaid.id } },
    }),
    "cancel",
  );
  assert.equal(cancelled.status, "CANCELLED");
  const mine = ok(await api.GET("/api/orders/my/"), "my orders");
  assert.deepEqual(
    mine.items.map((each) => [each.id, each.status]),
    [
      [unpaid.id, "CANCELLED"],
      [order.id, "PAID"],
    ],
  );

  // Password reset: the same answer whether or not the email has an account.
  access = undefined;
  const reset = ok(await api.POST("/api/auth/password/reset/", { body: { email } }), "reset", 202);
  const unknown = ok(
    await api.POST("/api/auth/password/reset/", { body: { email: `nobody-${email}` } }),
    "reset of an unknown email",
    202,
  );
  assert.deepEqual(reset, unknown);
});

/** The NovaCart storefront SDK: openapi-fetch typed by the generated `schema.d.ts`. */
import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";

import type { paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

export type StorefrontClient = Client<paths>;

export interface StorefrontOptions extends Omit<ClientOptions, "baseUrl"> {
  /** The access token to send as `Authorization: Bearer ...`, read at every request. */
  accessToken?: () => string | undefined;
}

/** A client of the API at `baseUrl` (the server's origin, e.g. `https://shop.example.com`). */
export function createStorefrontClient(
  baseUrl: string,
  { accessToken, ...options }: StorefrontOptions = {},
): StorefrontClient {
  const client = createClient<paths>({ ...options, baseUrl });
  if (accessToken !== undefined) {
    client.use(bearer(accessToken));
  }
  return client;
}

/** Adds the bearer token to requests that do not set `Authorization` themselves. */
function bearer(accessToken: () => string | undefined): Middleware {
  return {
    onRequest({ request }) {
      const token = accessToken();
      if (token !== undefined && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
}

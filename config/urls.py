from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from config.api import api, openapi_json

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the API's own openapi.json, which cannot know the request's server.
    path("api/openapi.json", openapi_json),
    path("api/", api.urls),
]

if settings.DEBUG:  # production media come from Cloudinary (or another storage's URLs)
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

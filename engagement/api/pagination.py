from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages stay correct while integrators page through data that is changing."""

    page_size = settings.API_DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    ordering = "id"

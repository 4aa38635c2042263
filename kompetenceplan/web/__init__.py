"""Web pages for advisors, visitation secretaries and plan owners, served by the same FastAPI app
as the JSON API (`kompetenceplan serve`): ``app.include_router(web.router)``.

Jinja2 templates and the vendored CSS/JS live in this package; nothing is fetched from a CDN and
nothing is built at install. The pages are left out of the OpenAPI description. The Møde pages
(`meeting_pages`), the tilsyn pages (`tilsyn_pages`) and the Frister page (`frister_pages`) add
their routes to the same router.
"""

from . import (
    access_pages,  # noqa: F401  (registers /admin/adgangslog on the router)
    draft_pages,  # noqa: F401  (registers the /indstilling/ny and /indstilling/kladde routes)
    frister_pages,  # noqa: F401  (registers the /frister page routes on the router)
    meeting_pages,  # noqa: F401  (registers the /moede routes on the router)
    tilsyn_pages,  # noqa: F401  (registers the /tilsyn and /oekonomi routes on the router)
)
from .views import router

__all__ = ["router"]

"""``/api/v1/``: every route is scoped to the caller's area (see ``fangkong.core.api``)."""

from rest_framework.routers import DefaultRouter

from fangkong.areas.api import AreaViewSet
from fangkong.registry.api import HouseholdViewSet, ResidentViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")

urlpatterns = router.urls

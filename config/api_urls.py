"""``/api/v1/``: every route is scoped to the caller's area (see ``fangkong.core.api``)."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from fangkong.accounts.token_views import ObtainTokenView, RevokeTokenView
from fangkong.areas.api import AreaViewSet
from fangkong.care.api import CarePlanViewSet, ErrandViewSet
from fangkong.checkpoints.api import CheckpointViewSet, PassageViewSet, PassViewSet
from fangkong.measures.api import (
    DisinfectionViewSet,
    FindingViewSet,
    GatheringViewSet,
    InspectionViewSet,
    KeyPlaceViewSet,
    PublicityViewSet,
    VenueViewSet,
)
from fangkong.monitoring.api import AlertViewSet, CaseViewSet, CheckInViewSet
from fangkong.registry.api import HouseholdViewSet, ImportView, ResidentViewSet
from fangkong.reports.api import CountySettingsViewSet, ReportViewSet
from fangkong.screening.api import (
    ReconciliationEntryViewSet,
    ReconciliationListViewSet,
    RoundViewSet,
    VisitViewSet,
)
from fangkong.supplies.api import (
    DonationViewSet,
    ItemViewSet,
    LedgerViewSet,
    StockViewSet,
    StoreViewSet,
)
from fangkong.workforce.api import (
    AssignmentViewSet,
    BranchViewSet,
    PointEntryViewSet,
    ShiftViewSet,
    TeamViewSet,
    WorkerViewSet,
)

router = DefaultRouter()
# The hot writes first (issue 19): a URL is resolved by trying the patterns in order, and every
# check-in, passage and visit paid for the ones in front of it.
router.register("checkins", CheckInViewSet, basename="checkin")
router.register("passages", PassageViewSet, basename="passage")
router.register("visits", VisitViewSet, basename="visit")
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")
router.register("rounds", RoundViewSet, basename="round")
router.register(
    "reconciliation-entries", ReconciliationEntryViewSet, basename="reconciliation_entry"
)
router.register("reconciliation-lists", ReconciliationListViewSet, basename="reconciliation_list")
router.register("cases", CaseViewSet, basename="case")
router.register("alerts", AlertViewSet, basename="alert")
router.register("reports", ReportViewSet, basename="report")
router.register("checkpoints", CheckpointViewSet, basename="checkpoint")
router.register("passes", PassViewSet, basename="pass")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("workers", WorkerViewSet, basename="worker")
router.register("branches", BranchViewSet, basename="branch")
router.register("teams", TeamViewSet, basename="team")
router.register("points", PointEntryViewSet, basename="point")
router.register("errands", ErrandViewSet, basename="errand")
router.register("care-plans", CarePlanViewSet, basename="care_plan")
router.register("items", ItemViewSet, basename="item")
router.register("stores", StoreViewSet, basename="store")
router.register("stock", StockViewSet, basename="stock")
router.register("ledger", LedgerViewSet, basename="ledger")
router.register("donations", DonationViewSet, basename="donation")
router.register("key-places", KeyPlaceViewSet, basename="key_place")
router.register("disinfections", DisinfectionViewSet, basename="disinfection")
router.register("gatherings", GatheringViewSet, basename="gathering")
router.register("venues", VenueViewSet, basename="venue")
router.register("publicity", PublicityViewSet, basename="publicity")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("findings", FindingViewSet, basename="finding")
router.register("county-settings", CountySettingsViewSet, basename="county_settings")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("imports/", ImportView.as_view(), name="api-import"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]

"""``/api/v1/items``, ``/stores``, ``/stock``, ``/ledger`` (+ ``receive``, ``hand-out``,
``transfer``, ``adjust``) and ``/donations``: scoped, written through the supplies services, so
the stock never goes negative here either (a refused hand-out is a 400 naming what is left)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.accounts.fields import PersonField
from fangkong.areas.models import Area
from fangkong.core.api import ScopedPrimaryKeyField
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.idempotency import IdempotentCreateMixin, idempotent
from fangkong.registry.models import Household
from fangkong.supplies import services
from fangkong.supplies.models import (
    Donation,
    EntryKind,
    Item,
    LedgerEntry,
    RecipientKind,
    StockBalance,
    Store,
)


class ItemSerializer(serializers.ModelSerializer):
    unit_label = serializers.CharField(read_only=True)

    class Meta:
        model = Item
        fields = ["id", "name", "category", "unit", "unit_label", "low_stock"]

    def create(self, validated_data: dict[str, Any]) -> Item:
        return services.item_create(by=self.context["request"].user, **validated_data)


class ItemViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The county's catalogue of supplies."""

    serializer_class = ItemSerializer
    write_capability = Cap.SUPPLIES_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Item.objects.for_user(self.request.user).order_by("category", "name")


class StoreSerializer(serializers.ModelSerializer):
    area = ScopedPrimaryKeyField(Area)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Store
        fields = ["id", "area", "area_name", "name", "kind"]

    def create(self, validated_data: dict[str, Any]) -> Store:
        return services.store_create(by=self.context["request"].user, **validated_data)


class StoreViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StoreSerializer
    write_capability = Cap.SUPPLIES_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Store.objects.for_user(self.request.user).select_related("area").order_by("pk")  # type: ignore[arg-type]


class StockSerializer(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit_label", read_only=True)
    threshold = serializers.IntegerField(read_only=True)
    low = serializers.SerializerMethodField()

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "store",
            "store_name",
            "item",
            "item_name",
            "unit",
            "quantity",
            "threshold",
            "low",
        ]
        read_only_fields = fields

    def get_low(self, obj: Any) -> bool:
        return bool(obj.threshold and obj.quantity <= obj.threshold)


class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stock per store and item in the caller's scope; ``?store=``, ``?low=1`` for warnings."""

    serializer_class = StockSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        stock = (
            StockBalance.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .with_threshold()
            .select_related("store", "item")
        )
        if store := self.request.query_params.get("store", ""):
            stock = stock.filter(store_id=store) if store.isdigit() else stock.none()
        if self.request.query_params.get("low") in {"1", "true"}:
            stock = stock.low()
        return stock.order_by("store_id", "item_id")


class EntrySerializer(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "store",
            "store_name",
            "item",
            "item_name",
            "kind",
            "change",
            "quantity",
            "balance_after",
            "at",
            "day",
            "by",
            "donation",
            "peer",
            "recipient_kind",
            "household",
            "staff",
            "recipient_name",
            "reason",
            "reverses",
            "late_reason",
        ]
        read_only_fields = fields


class _Dated(serializers.Serializer):
    """``on``: the day the movement happened (default today); an earlier day needs
    ``late_reason``."""

    on = serializers.DateField(required=False, allow_null=True, default=None)
    late_reason = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )


class _Movement(_Dated):
    store = ScopedPrimaryKeyField(Store)
    item = ScopedPrimaryKeyField(Item)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ReceiveSerializer(_Movement):
    source = serializers.CharField(  # type: ignore[assignment]  # a field named "source"
        max_length=300, required=False, default="", allow_blank=True
    )


class HandOutSerializer(_Movement):
    recipient_kind = serializers.ChoiceField(choices=RecipientKind.choices)
    household = ScopedPrimaryKeyField(Household, required=False, allow_null=True, default=None)
    staff = PersonField(required=False, allow_null=True, default=None)
    recipient_name = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class TransferSerializer(_Movement):
    destination = ScopedPrimaryKeyField(Store)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class AdjustSerializer(_Dated):
    store = ScopedPrimaryKeyField(Store)
    item = ScopedPrimaryKeyField(Item)
    change = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.CharField(max_length=300)


class CorrectSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    reason = serializers.CharField(max_length=300)


class LedgerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every movement of stock in the caller's scope (``?store=``, ``?kind=``), and the four ways
    to make one. Hand-outs for every field worker; the rest for storekeepers."""

    serializer_class = EntrySerializer

    @property
    def write_capability(self) -> Cap:
        if self.action in {"hand_out", "correct"}:  # a hander corrects his own hand-outs
            return Cap.SUPPLIES_WRITE
        return Cap.SUPPLIES_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        entries = LedgerEntry.objects.seen_by(self.request.user).select_related(
            "store", "item", "by"
        )
        if store := self.request.query_params.get("store", ""):
            entries = entries.filter(store_id=store) if store.isdigit() else entries.none()
        if kind := self.request.query_params.get("kind", ""):
            entries = entries.filter(kind=kind) if kind in EntryKind.values else entries.none()
        return entries.order_by("-at", "-pk")

    def _move(self, request: Request, serializer_class: Any, service: Any) -> Response:
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        result = service(by=request.user, **serializer.validated_data)
        entries = result if isinstance(result, tuple) else (result,)
        data = EntrySerializer(entries, many=True, context={"request": request}).data
        return Response(data if len(entries) > 1 else data[0], status=201)

    @extend_schema(request=ReceiveSerializer, responses={201: EntrySerializer})
    @action(detail=False, methods=["post"], serializer_class=ReceiveSerializer)
    @idempotent
    def receive(self, request: Request, **kwargs: Any) -> Response:
        return self._move(request, ReceiveSerializer, services.stock_receive)

    @extend_schema(request=HandOutSerializer, responses={201: EntrySerializer})
    @action(detail=False, methods=["post"], url_path="hand-out", serializer_class=HandOutSerializer)
    @idempotent
    def hand_out(self, request: Request, **kwargs: Any) -> Response:
        return self._move(request, HandOutSerializer, services.stock_hand_out)

    @extend_schema(request=TransferSerializer, responses={201: EntrySerializer(many=True)})
    @action(detail=False, methods=["post"], serializer_class=TransferSerializer)
    @idempotent
    def transfer(self, request: Request, **kwargs: Any) -> Response:
        def move(*, by: Any, store: Store, **data: Any) -> Any:
            return services.stock_transfer(by=by, source=store, **data)

        return self._move(request, TransferSerializer, move)

    @extend_schema(request=AdjustSerializer, responses={201: EntrySerializer})
    @action(detail=False, methods=["post"], serializer_class=AdjustSerializer)
    @idempotent
    def adjust(self, request: Request, **kwargs: Any) -> Response:
        return self._move(request, AdjustSerializer, services.stock_adjust)

    @extend_schema(request=CorrectSerializer, responses={201: EntrySerializer(many=True)})
    @action(detail=True, methods=["post"], serializer_class=CorrectSerializer)
    @idempotent
    def correct(self, request: AuthedAPIRequest, **kwargs: Any) -> Response:
        """Correct an entry (冲正): its reversal, then the right quantity if not 0."""
        entry = self.get_object()
        serializer = CorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.entry_correct(by=request.user, entry=entry, **serializer.validated_data)
        return Response(EntrySerializer(made, many=True).data, status=201)


class GoodsSerializer(serializers.Serializer):
    item = ScopedPrimaryKeyField(Item)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class DonationSerializer(serializers.ModelSerializer):
    area = ScopedPrimaryKeyField(Area)
    store = ScopedPrimaryKeyField(Store, required=False, allow_null=True, write_only=True)
    goods = GoodsSerializer(many=True, required=False, write_only=True)
    received = EntrySerializer(source="goods", many=True, read_only=True)
    receipt_number = serializers.CharField(read_only=True)

    class Meta:
        model = Donation
        fields = [
            "id",
            "receipt_number",
            "area",
            "donor_name",
            "donor_kind",
            "money",
            "received_on",
            "late_reason",
            "note",
            "store",
            "goods",
            "received",
        ]

    def create(self, validated_data: dict[str, Any]) -> Donation:
        goods = [(g["item"], g["quantity"]) for g in validated_data.pop("goods", [])]
        return services.donation_record(
            by=self.context["request"].user, goods=goods, **validated_data
        )


class DonationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Donations of money and goods received in the caller's scope, with their receipt number."""

    serializer_class = DonationSerializer
    write_capability = Cap.SUPPLIES_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            Donation.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .prefetch_related("goods__store", "goods__item", "goods__by")
            .order_by("-received_on", "-pk")
        )

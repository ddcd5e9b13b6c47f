import factory

from fund.models import Asset, Fund


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    symbol = factory.Sequence(lambda n: f"TK{n}")
    decimals = 6


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    name = factory.Sequence(lambda n: f"fund-{n}")
    asset = factory.SubFactory(AssetFactory)

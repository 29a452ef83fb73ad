"""The verticals creators work in (C1, G5), so every installation can search by them."""

from django.db import migrations

CATEGORIES = [
    ("beauty", "美妆", "Beauty"),
    ("apparel", "服饰", "Apparel"),
    ("food", "食品", "Food"),
    ("digital", "数码", "Electronics"),
    ("maternal", "母婴", "Mother & baby"),
    ("home", "家居", "Home"),
    ("sports", "运动", "Sports"),
    ("travel", "旅行", "Travel"),
    ("pets", "宠物", "Pets"),
    ("jewelry", "珠宝", "Jewelry"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for code, name, name_en in CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

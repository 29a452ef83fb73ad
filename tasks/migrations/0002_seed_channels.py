"""T1: every installation has the platform's channels. 有好货 and 必买清单 have no fixed-column
recruitment, so creators cannot post recruitment tasks for them."""

from django.db import migrations

CHANNELS = [
    # code, name, English name, allows recruitment
    ("haohuo", "有好货", "Haohuo (good finds)", False),
    ("toutiao", "淘宝头条", "Taobao Headlines", True),
    ("tmall_global", "天猫国际", "Tmall Global", True),
    ("bimai", "必买清单", "Must-buy list", False),
    ("jiyoujia", "极有家", "Jiyoujia (home)", True),
    ("taobao_live", "淘宝直播", "Taobao Live", True),
    ("shop_video", "店铺短视频", "Shop short video", True),
]


def seed(apps, schema_editor):
    Channel = apps.get_model("tasks", "Channel")
    for order, (code, name, name_en, allows) in enumerate(CHANNELS):
        Channel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "allows_recruitment": allows,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

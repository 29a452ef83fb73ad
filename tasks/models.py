from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentType(models.TextChoices):
    """T1: the kinds of content a merchant can buy."""

    IMAGE_TEXT = "image_text", _("Image & text")
    VIDEO = "video", _("Short video")
    LIVE = "live", _("Live stream")
    LIVE_SPONSORSHIP = "live_sponsorship", _("Live sponsorship")


class Channel(models.Model):
    """T1: a content channel, edited by ops in the admin, seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    allows_recruitment = models.BooleanField(
        _("creators may post recruitment tasks"),
        default=True,
        help_text=_("Channels without fixed-column recruitment (e.g. 有好货) turn this off."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

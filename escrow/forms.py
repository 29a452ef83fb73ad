from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField


class AmountForm(forms.Form):
    amount = YuanField(label=_("Amount (¥)"))


class PayoutAccountForm(forms.Form):
    account_id = forms.CharField(label=_("Alipay account"), max_length=100)
    holder_name = forms.CharField(label=_("Account holder"), max_length=100)

"""Pages of service providers (P1–P7): admission, the provider's workspace, delegation,
closing reports."""

urlpatterns: list = []

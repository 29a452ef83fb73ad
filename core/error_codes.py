"""The catalogue of error codes: every `code` the API can answer in `{"error": {"code", ...}}`.

A code is stable: clients branch on it, while the message is for people and is translated.
`tests/test_error_codes.py` reads every code the product code raises or answers and fails when
one is missing here, or when an entry here is no longer used; `docs/errors.md` lists them
(`python scripts/error_catalogue.py --write` rewrites it from this table).
"""

from __future__ import annotations

# code → (HTTP status, what it means). Grouped as the table in docs/errors.md.
ERROR_CODES: dict[str, tuple[int, str]] = {
    # --- any request ---------------------------------------------------------------------
    "invalid": (400, "The input is wrong; `fields` names each field and why."),
    "parse_error": (400, "The body is not valid JSON (or another declared type)."),
    "too_large": (413, "The body is over its size limit (Z4)."),
    "unsupported_media_type": (415, "The body's content type is not one the endpoint reads."),
    "not_acceptable": (406, "The Accept header asks for a format the API does not give."),
    "method_not_allowed": (405, "The path does not take this HTTP method."),
    "not_authenticated": (401, "No credentials were sent: send `Authorization: Token …`."),
    "authentication_failed": (401, "The token or session is not valid (revoked or unknown)."),
    "invalid_credentials": (400, "The username and password do not match an account."),
    "locked_out": (429, "Too many failed logins for this account and address (Z2)."),
    "throttled": (429, "Too many requests; `Retry-After` says when to try again (Z2)."),
    "permission_denied": (403, "The account may not do this."),
    "wrong_side": (403, "The account's side or role cannot do this (A3, A4)."),
    "banned": (403, "The account, shop or agency is banned or restricted now (S1, S2)."),
    "not_found": (404, "No such object, or it belongs to another tenant (A3)."),
    "not_allowed": (409, "The rules refuse this now."),
    "invalid_state": (409, "The object's state does not allow this action now (§4)."),
    "concurrent_change": (409, "Someone changed the object at the same moment; reload."),
    "deadline_passed": (409, "The deadline for this step has passed (D3)."),
    "server_error": (500, "Our fault; `request_id` identifies the logged error (Z4)."),
    "error": (400, "A request error without a more specific code."),
    # --- accounts, shops, agencies ---------------------------------------------------------
    "side_already_chosen": (409, "The account's side (merchant or creator) is already chosen."),
    "admission_refused": (400, "The shop does not meet the admission rules (M1)."),
    "already_bound": (409, "The shop already has a bound payment account (M2)."),
    "not_bound": (409, "The shop has no bound payment account to unbind (M2)."),
    "orders_in_trade": (409, "Orders still in trade keep the payment account bound (M3)."),
    "already_invited": (409, "The agency has already invited this creator (C3)."),
    "invitation_closed": (409, "The invitation was answered or withdrawn (C3)."),
    "already_signed": (409, "The creator is already signed to this agency (C3)."),
    "already_signed_elsewhere": (409, "The creator is signed to another agency (C3)."),
    "contract_not_active": (409, "The contract is not in force (C3)."),
    "agency_inactive": (409, "An expelled agency cannot do this (G3)."),
    "invalid_month": (400, "The month is not written YYYY-MM (G2)."),
    "month_not_over": (409, "The month is not over yet; it cannot be assessed (G2)."),
    "not_expelled": (409, "The agency is not expelled (G3)."),
    "readmission_barred": (409, "Re-admission is barred until 180 days after the expulsion (G3)."),
    "appeal_used": (409, "The agency has already used its one appeal (G3)."),
    "appeal_decided": (409, "The appeal is already decided (G3)."),
    "focus_hour_closed": (409, "The focus hour no longer takes creators (G6)."),
    "focus_offer_expired": (409, "The focus offer was not answered in time (G6)."),
    "creator_already_on_hour": (409, "The creator is already on this focus hour (G6)."),
    "theme_window_closed": (409, "Theme proposals are taken from the 10th to the 18th (G7)."),
    "too_many_proposals": (409, "The agency has sent its proposals for the month (G7)."),
    "proposal_decided": (409, "The theme proposal is already decided (G7)."),
    "proposal_not_selected": (409, "Only a selected theme proposal gets a slot (G7)."),
    "theme_slot_used": (409, "The theme proposal's slot is already placed (G7)."),
    "sanction_not_in_force": (409, "The sanction has ended or was lifted (S1, S2)."),
    # --- tasks, applications, proposals, orders --------------------------------------------
    "no_shop": (409, "A merchant needs an admitted shop to post or pay (M1)."),
    "not_a_brand": (403, "Brand tasks are for Tmall stores flagged as brands (M4)."),
    "has_applications": (409, "Merchants have paid to join; the task cannot be cancelled."),
    "has_orders": (409, "A proposal was accepted; close the task instead of cancelling it."),
    "enrollment_closed": (409, "The task no longer takes applications (T10)."),
    "enrollment_open": (409, "Enrollment is still open; stop it before paying (T11, T12)."),
    "slots_full": (409, "All places of the task are taken (T12)."),
    "already_applied": (409, "An application of the account is already open (T10, T20, I3)."),
    "empty": (409, "No application is approved; there is nothing to pay (T11)."),
    "already_proposed": (409, "This creator already has a proposal on the brand task (T30)."),
    "not_qualified": (403, "The creator does not qualify for brand tasks now (T30)."),
    "over_budget": (409, "Accepting the quote would exceed the brand task's budget (T30)."),
    "already_decided": (409, "The dispute or application is already decided (T61, I3)."),
    "already_restored": (409, "The original price was already restored once (T41)."),
    "price_unchanged": (409, "The creator did not change the price; nothing to restore (T41)."),
    "revisions_exhausted": (409, "The order has used its revisions (T53)."),
    # --- money -------------------------------------------------------------------------------
    "insufficient_funds": (409, "The account holds less than the amount (E3)."),
    "payment_account_required": (409, "The shop needs a bound payment account to pay (M2)."),
    "escrow_mismatch": (409, "The escrow does not hold what the step expects (E4)."),
    "order_closed": (409, "The order is closed; no payment can be taken into it (E10)."),
    "no_payout_account": (409, "The creator has no payout account to withdraw to (E8)."),
    "withdrawal_decided": (409, "The withdrawal is already approved, rejected or paid (E8)."),
    "idempotency_conflict": (409, "The Idempotency-Key was used with another request (E6)."),
    "bad_signature": (400, "The gateway callback's signature does not verify (E7)."),
    "ledger_invariant": (500, "A posting would break the ledger; nothing was written (E1)."),
    # --- feeds ---------------------------------------------------------------------------------
    "invalid_csv": (400, "The CSV file cannot be read or lacks its header (F1, G1)."),
    "batch_too_large": (400, "The feed sent more rows than one batch takes (F1, G1)."),
    # --- providers -----------------------------------------------------------------------------
    "already_a_provider": (409, "The account already belongs to a service provider (P1)."),
    "application_locked": (409, "The application is submitted or decided; it is locked (P2)."),
    "admission_requirements": (400, "The application does not meet the admission rules (P4)."),
    "not_submitted": (409, "Only a submitted application can be decided (P4)."),
    "not_admitted": (409, "The provider is not admitted (or suspended) for this step (P5)."),
    "not_suspended": (409, "The provider is not suspended (P5)."),
    "provider_not_admitted": (409, "The provider is not admitted, so it cannot be delegated to."),
    "already_delegated": (409, "The shop already delegates to this provider (P6)."),
    "delegation_ended": (409, "The delegation has ended (P6)."),
    # --- 视频号 incentives ---------------------------------------------------------------
    "quota_exhausted": (409, "The program's budget for the month cannot cover it (I4)."),
    "not_enough_coupons": (409, "The wallet holds fewer usable coupons than asked (I8)."),
    "heating_ended": (409, "The heating order has already stopped or run its hours (I8)."),
    "live_account_bound": (409, "A 视频号 account is already bound there, or by someone (I1)."),
    "barred": (409, "The account is barred from every program for good (I10)."),
    "brand_mark": (409, "Accounts with a brand mark do not take part in cold start (I2)."),
    "not_a_new_account": (409, "Cold start is for accounts new or idle for 60 days (I2)."),
    "cold_start_used": (409, "The account already had its cold-start package (I2)."),
    "restricted": (409, "The account is restricted from new grants now (I9)."),
    "rejected_recently": (409, "A rejected account applies again 30 days after (I3)."),
}

# Codes DRF's own exceptions answer (through core.api_errors), not raised by our code.
DRF_CODES = frozenset(
    {
        "parse_error",
        "unsupported_media_type",
        "not_acceptable",
        "method_not_allowed",
        "not_authenticated",
        "authentication_failed",
        "permission_denied",
        "throttled",
        "error",
    }
)

"""Who may reach each route: the reviewed contract that tests/test_access_matrix.py enforces.

Every route of the app must be listed here, with the same access its view declares. Adding a
route, or widening who reaches one, means changing this table too: a deliberate, reviewed step.
"""

from dps_portal.core.roles import Role

PUBLIC = "public"
EVERYONE_SIGNED_IN = frozenset(Role)
STAFF = frozenset({Role.contracts_officer, Role.quality_monitor, Role.administrator})
ADMIN = frozenset({Role.administrator})

MATRIX: dict[str, object] = {
    "accounts.accept_invitation": PUBLIC,
    "accounts.check_your_email": PUBLIC,
    "accounts.confirm_email": PUBLIC,
    "accounts.forgotten_password": PUBLIC,
    "accounts.register": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.sign_in": PUBLIC,
    "accounts.sign_out": EVERYONE_SIGNED_IN,
    "accounts.signed_out": PUBLIC,
    "admin.invite_user": ADMIN,
    "admin.list_users": ADMIN,
    "admin.resend_invitation": ADMIN,
    "admin.set_user_active": ADMIN,
    "admin.show_user": ADMIN,
    "audit.list_events": ADMIN,
    "audit.show_event": ADMIN,
    "documents.download_document": EVERYONE_SIGNED_IN,
    "documents.framework_summary": STAFF,
    "documents.list_documents": frozenset({Role.provider}),
    "main.accessibility_statement": PUBLIC,
    "main.admin_home": ADMIN,
    "main.healthz": PUBLIC,
    "main.index": PUBLIC,
    "main.monitor_home": frozenset({Role.quality_monitor}),
    "main.officer_home": frozenset({Role.contracts_officer}),
    "main.provider_home": frozenset({Role.provider}),
    "notifications.list_notifications": EVERYONE_SIGNED_IN,
    "notifications.list_outbox": ADMIN,
    "notifications.mark_all_read": EVERYONE_SIGNED_IN,
    "notifications.mark_read": EVERYONE_SIGNED_IN,
    "notifications.show_outbox_email": ADMIN,
    "scheduler.list_job_runs": ADMIN,
    "onboarding.application_submitted": frozenset({Role.provider}),
    "onboarding.check_answers": frozenset({Role.provider}),
    "onboarding.edit_categories": frozenset({Role.provider}),
    "onboarding.edit_rates": frozenset({Role.provider}),
    "onboarding.edit_section": frozenset({Role.provider}),
    "onboarding.list_applications": frozenset({Role.provider}),
    "onboarding.respond_to_clarification": frozenset({Role.provider}),
    "onboarding.show_application": frozenset({Role.provider}),
    "onboarding.start_application": frozenset({Role.provider}),
    "onboarding.submit_application": frozenset({Role.provider}),
    "onboarding.withdraw_application": frozenset({Role.provider}),
    "providers.add_home": frozenset({Role.provider}),
    "providers.edit_home": frozenset({Role.provider}),
    "providers.edit_organisation": frozenset({Role.provider}),
    "providers.invite_colleague": frozenset({Role.provider}),
    "providers.list_homes": frozenset({Role.provider}),
    "providers.list_providers": STAFF,
    "providers.show_home": frozenset({Role.provider}),
    "providers.show_organisation": frozenset({Role.provider}),
    "providers.show_provider": STAFF,
    "review.confirm_declaration": frozenset({Role.provider}),
    "review.decide": frozenset({Role.contracts_officer}),
    "review.extend_deadline": frozenset({Role.contracts_officer}),
    "review.list_applications": frozenset({Role.contracts_officer}),
    "review.record_self_cleaning": frozenset({Role.contracts_officer}),
    "review.request_clarification": frozenset({Role.contracts_officer}),
    "review.request_declaration": frozenset({Role.contracts_officer}),
    "review.review_section": frozenset({Role.contracts_officer}),
    "review.show_application": frozenset({Role.contracts_officer}),
}

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
}

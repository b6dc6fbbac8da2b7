// Plain values shared with the renderer; kept free of zod so the page bundle stays small.

/** The practice (EduPath) project's 31 public tables (DESIGN.md). Real projects confirm their own list from the live database. */
export const practiceExpectedTables = [
  'users', 'student_profiles', 'universities', 'courses', 'applications', 'documents', 'notifications',
  'events', 'event_registrations', 'ai_matching_results', 'testimonials', 'custom_fields',
  'custom_field_values', 'student_timeline', 'chat_messages', 'security_settings', 'ip_registration_limits',
  'login_attempts', 'security_events', 'staff_invitation_links', 'subscriptions', 'subscription_plans',
  'user_subscriptions', 'payment_settings', 'forum_posts_enhanced', 'forum_comments', 'forum_likes',
  'forum_saves', 'forum_poll_votes', 'forum_post_reports', 'forum_post_limits',
] as const;

export const environments = ['production', 'staging', 'development', 'local'] as const;
export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/** Modes that do not check who the server is: anyone on the path can pose as it and ask for the password. */
export const unverifiedSslModes: readonly (typeof sslModes)[number][] = ['disable', 'allow', 'prefer', 'require'];
/** What the operator is told, and the audit trail records, when a profile does not verify the server. */
export const unverifiedTlsWarning =
  'This mode does not check the server’s certificate: anyone on the network path can pose as your database and receive its password. ' +
  'Use verify-full with the server’s CA certificate (Supabase: Project Settings → Database → SSL configuration → Download certificate).';

/** Supabase plans with daily backups, and the statuses the Management API reports for a backup. */
export const plans = ['pro', 'team', 'enterprise'] as const;
export const backupStatuses = ['COMPLETED', 'FAILED', 'PENDING', 'REMOVED', 'ARCHIVED', 'CANCELLED'] as const;

/** Items that must be green before anyone signs: the evidence the signers vouch for. */
export const signOffGate = ['prerequisites', 'backup', 'storage', 'integrity', 'rehearsal'] as const;

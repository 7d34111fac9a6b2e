//! Russian and English, as a typed table: every string a user sees is a
//! field of [`Strings`], so a string missing in one language does not
//! compile.
//!
//! The locale of a request is chosen once on the server (the `lang` cookie
//! set by the switcher, then the account's setting, then `Accept-Language`),
//! written into `<html lang>`, and read back from there when the browser
//! hydrates, so both sides render the same words.

mod en;
mod ru;

use crate::error::{AppError, Invalid};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A language Convene speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Ru,
}

/// Name of the cookie that remembers the language picked with the switcher.
pub const LANG_COOKIE: &str = "lang";

impl Locale {
    /// Every locale, in the order the switcher shows them.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ru];

    /// BCP 47 tag (`en`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
        }
    }

    /// Parses a BCP 47 tag by its primary language (`ru-RU` → `Ru`).
    pub fn from_code(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "ru" => Some(Locale::Ru),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header
    /// (RFC 9110 §12.5.4), honouring q-values; `None` when nothing matches.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_code) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }

    /// The strings of this locale.
    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::En => &en::EN,
            Locale::Ru => &ru::RU,
        }
    }
}

/// Puts the page's locale into the reactive context.
pub fn provide_locale(locale: Locale) {
    provide_context(locale);
}

/// The page's locale (English when none was provided).
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// The page's strings.
pub fn use_strings() -> &'static Strings {
    use_locale().strings()
}

/// The locale of the current request, as chosen by the server's locale
/// middleware (in pages and server functions).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Locale>().copied())
        .unwrap_or_default()
}

/// Every user-visible string, per locale.
pub struct Strings {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub language_name: &'static str,
    pub switch_language: &'static str,
    pub skip_to_content: &'static str,
    pub nav_calendar: &'static str,
    pub nav_sign_in: &'static str,
    pub nav_sign_up: &'static str,
    pub nav_sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub loading: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,

    pub home_lead: &'static str,
    pub home_cta_calendar: &'static str,
    pub home_cta_sign_up: &'static str,

    pub sign_in_title: &'static str,
    pub sign_up_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub display_name: &'static str,
    pub sign_in_button: &'static str,
    pub sign_up_button: &'static str,
    pub no_account: &'static str,
    pub have_account: &'static str,

    pub calendar_title: &'static str,
    pub week_prev: &'static str,
    pub week_next: &'static str,
    pub today: &'static str,
    pub week_empty: &'static str,
    pub times_shown_in: &'static str,
    pub new_meeting: &'static str,
    pub edit_meeting: &'static str,
    pub meeting_title: &'static str,
    pub date: &'static str,
    pub start_time: &'static str,
    pub duration: &'static str,
    pub minutes_short: &'static str,
    pub time_zone: &'static str,
    pub invitees: &'static str,
    pub invitees_hint: &'static str,
    pub create_button: &'static str,
    pub save_button: &'static str,
    pub delete_button: &'static str,
    pub delete_confirm: &'static str,
    pub cancel: &'static str,
    pub meeting_created: &'static str,
    pub meeting_saved: &'static str,
    pub meeting_link: &'static str,
    pub copy_link: &'static str,
    pub link_copied: &'static str,
    pub join_meeting: &'static str,
    pub organizer: &'static str,
    pub when: &'static str,
    pub back_to_calendar: &'static str,

    pub prejoin_title: &'static str,
    pub your_name: &'static str,
    pub camera: &'static str,
    pub microphone: &'static str,
    pub camera_off: &'static str,
    pub join_button: &'static str,
    pub joining: &'static str,
    pub no_devices: &'static str,
    pub preview_label: &'static str,

    pub call_label: &'static str,
    pub you: &'static str,
    pub mute: &'static str,
    pub unmute: &'static str,
    pub stop_video: &'static str,
    pub start_video: &'static str,
    pub leave: &'static str,
    pub left_title: &'static str,
    pub rejoin: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub muted: &'static str,
    pub alone_in_call: &'static str,
    pub participants: &'static str,
    pub call_failed: &'static str,

    pub chat_title: &'static str,
    pub chat_placeholder: &'static str,
    pub chat_send: &'static str,
    pub chat_empty: &'static str,
    pub chat_toggle: &'static str,
    pub signal_refused: &'static str,
    pub signal_rate_limited: &'static str,
    pub signal_unavailable: &'static str,
    pub signal_forbidden: &'static str,
    pub signal_video_limit: &'static str,
    pub share_screen: &'static str,
    pub stop_sharing: &'static str,
    pub raise_hand: &'static str,
    pub lower_hand: &'static str,
    pub reactions: &'static str,
    pub react: &'static str,
    pub devices: &'static str,
    pub speaker: &'static str,
    pub default_device: &'static str,
    pub close: &'static str,
    pub role_host: &'static str,
    pub role_cohost: &'static str,
    pub hand_raised: &'static str,
    pub raised_hands: &'static str,
    pub ask_unmute: &'static str,
    pub mute_someone: &'static str,
    pub stop_someones_video: &'static str,
    pub make_cohost: &'static str,
    pub remove_cohost: &'static str,
    pub lower_someones_hand: &'static str,
    pub remove_participant: &'static str,
    pub message_privately: &'static str,
    pub confirm_remove: &'static str,
    pub remove: &'static str,
    pub end_for_all: &'static str,
    pub confirm_end: &'static str,
    pub end_confirm_button: &'static str,
    pub who_can_join: &'static str,
    pub access_open: &'static str,
    pub access_ask: &'static str,
    pub access_locked: &'static str,
    pub lobby_title: &'static str,
    pub admit: &'static str,
    pub deny: &'static str,
    pub admit_all: &'static str,
    pub guest: &'static str,
    pub waiting_title: &'static str,
    pub waiting_body: &'static str,
    pub closed_removed: &'static str,
    pub closed_ended: &'static str,
    pub closed_denied: &'static str,
    pub closed_rate_limited: &'static str,
    pub closed_replaced: &'static str,
    pub muted_you: &'static str,
    pub video_off_you: &'static str,
    pub unmute_request: &'static str,
    pub dismiss: &'static str,
    pub quality_good: &'static str,
    pub quality_fair: &'static str,
    pub quality_poor: &'static str,
    pub quality_unknown: &'static str,
    pub speaking: &'static str,
    pub screen_of: &'static str,
    pub your_screen: &'static str,
    pub send_to: &'static str,
    pub everyone: &'static str,
    pub private_to: &'static str,
    pub private_from: &'static str,
    pub delete_message: &'static str,
    pub unread: &'static str,
    pub knocking: &'static str,
    pub audio_only_short: &'static str,

    pub repeat_daily: &'static str,
    pub repeat_weekly: &'static str,
    pub repeat_monthly: &'static str,
    pub repeat_yearly: &'static str,
    pub repeat_every_days: &'static str,
    pub repeat_every_weeks: &'static str,
    pub repeat_every_months: &'static str,
    pub repeat_every_years: &'static str,
    pub repeat_last: &'static str,
    pub repeat_times: &'static str,
    pub repeat_until_label: &'static str,
    pub repeat_label: &'static str,
    pub repeat_never: &'static str,
    pub repeat_choice_daily: &'static str,
    pub repeat_choice_weekdays: &'static str,
    pub repeat_choice_weekly: &'static str,
    pub repeat_choice_monthly_day: &'static str,
    pub repeat_choice_monthly_nth: &'static str,
    pub repeat_choice_yearly: &'static str,
    pub repeat_choice_custom: &'static str,
    pub repeat_interval_label: &'static str,
    pub repeat_on_label: &'static str,
    pub repeat_count_label: &'static str,
    pub repeat_until_field: &'static str,
    pub repeat_end_hint: &'static str,
    pub rrule_label: &'static str,
    pub reminders_label: &'static str,
    pub reminders_hint: &'static str,
    pub scope_label: &'static str,
    pub scope_this: &'static str,
    pub scope_following: &'static str,
    pub scope_all: &'static str,
    pub repeats_label: &'static str,
    pub attendees_label: &'static str,
    pub partstat_needs_action: &'static str,
    pub partstat_accepted: &'static str,
    pub partstat_tentative: &'static str,
    pub partstat_declined: &'static str,
    pub rsvp_question: &'static str,
    pub rsvp_yes: &'static str,
    pub rsvp_maybe: &'static str,
    pub rsvp_no: &'static str,
    pub rsvp_saved: &'static str,
    pub rsvp_link_invalid: &'static str,
    pub rsvp_title: &'static str,
    pub conflict_warning: &'static str,
    pub download_ics: &'static str,
    pub occurrence_of_series: &'static str,

    pub description_label: &'static str,

    pub settings_title: &'static str,
    pub nav_settings: &'static str,
    pub notifications_title: &'static str,
    pub notifications_unread: &'static str,
    pub notifications_new: &'static str,
    pub notifications_empty: &'static str,
    pub notifications_mark_read: &'static str,
    pub notifications_mark_all: &'static str,
    pub notice_invited: &'static str,
    pub notice_starts_soon: &'static str,
    pub push_heading: &'static str,
    pub push_intro: &'static str,
    pub push_checking: &'static str,
    pub push_unsupported: &'static str,
    pub push_denied: &'static str,
    pub push_status_on: &'static str,
    pub push_status_off: &'static str,
    pub push_turn_on: &'static str,
    pub push_turn_off: &'static str,
    pub push_working: &'static str,
    pub push_send_test: &'static str,
    pub push_test_sent: &'static str,
    pub push_test_none: &'static str,
    pub push_failed: &'static str,
    pub push_test_heading: &'static str,
    pub push_test_body: &'static str,
    pub push_err_subscription: &'static str,
    pub cal_view_month: &'static str,
    pub cal_view_week: &'static str,
    pub cal_view_day: &'static str,
    pub cal_view_agenda: &'static str,
    pub cal_views_label: &'static str,
    pub cal_nav_label: &'static str,
    pub cal_prev_month: &'static str,
    pub cal_next_month: &'static str,
    pub cal_prev_day: &'static str,
    pub cal_next_day: &'static str,
    pub cal_prev_agenda: &'static str,
    pub cal_next_agenda: &'static str,
    pub cal_jump_label: &'static str,
    pub cal_jump_button: &'static str,
    pub cal_more: &'static str,
    pub cal_all_day: &'static str,
    pub cal_month_names: [&'static str; 12],
    pub cal_agenda_empty: &'static str,
    pub cal_agenda_cta: &'static str,
    pub cal_day_empty: &'static str,
    pub cal_month_empty: &'static str,
    pub cal_keys_title: &'static str,
    pub cal_keys_help: &'static str,
    pub cal_drag_help: &'static str,
    pub cal_now: &'static str,
    pub cal_moving: &'static str,
    pub cal_moved: &'static str,
    pub cal_move_failed: &'static str,
    pub cal_zones_title: &'static str,
    pub cal_zone_label: &'static str,
    pub cal_zone_hint: &'static str,
    pub cal_use_browser_zone: &'static str,
    pub cal_second_zone_label: &'static str,
    pub cal_second_zone_hint: &'static str,
    pub cal_zones_save: &'static str,
    pub cal_zones_saved: &'static str,
    pub cal_err_second_zone: &'static str,
    pub cal_second_zone_short: &'static str,
    pub cal_event_label: &'static str,
    pub cal_loading_view: &'static str,
    pub api_tokens_title: &'static str,
    pub api_tokens_intro: &'static str,
    pub api_token_name: &'static str,
    pub api_token_name_hint: &'static str,
    pub api_token_create: &'static str,
    pub api_token_new: &'static str,
    pub api_token_shown_once: &'static str,
    pub api_tokens_none: &'static str,
    pub api_token_made: &'static str,
    pub api_token_last_used: &'static str,
    pub api_token_never_used: &'static str,
    pub api_token_revoke: &'static str,
    pub api_token_revoked: &'static str,
    pub api_docs_link: &'static str,
    pub notice_knocking: &'static str,
    pub mail_off_note: &'static str,
    pub feed_heading: &'static str,
    pub feed_lead: &'static str,
    pub feed_active: &'static str,
    pub feed_inactive: &'static str,
    pub feed_url_label: &'static str,
    pub feed_url_once: &'static str,
    pub feed_create: &'static str,
    pub feed_replace: &'static str,
    pub feed_revoke: &'static str,
    pub import_heading: &'static str,
    pub import_lead: &'static str,
    pub import_file_label: &'static str,
    pub import_text_label: &'static str,
    pub import_submit: &'static str,
    pub import_busy: &'static str,
    pub import_done: &'static str,
    pub import_already: &'static str,
    pub import_skipped: &'static str,
    pub free_busy_check: &'static str,
    pub free_busy_nobody: &'static str,
    pub free_busy_unknown: &'static str,
    pub free_busy_free: &'static str,
    pub free_busy_busy: &'static str,
    pub weekdays_short: [&'static str; 7],
    pub months_short: [&'static str; 12],

    pub err_email_malformed: &'static str,
    pub err_email_taken: &'static str,
    pub err_password_weak: &'static str,
    pub err_display_name_empty: &'static str,
    pub err_display_name_too_long: &'static str,
    pub err_title_empty: &'static str,
    pub err_title_too_long: &'static str,
    pub err_date_malformed: &'static str,
    pub err_time_malformed: &'static str,
    pub err_duration: &'static str,
    pub err_time_zone: &'static str,
    pub err_invitee: &'static str,
    pub err_too_many_invitees: &'static str,
    pub err_chat_empty: &'static str,
    pub err_chat_too_long: &'static str,
    pub err_description_too_long: &'static str,
    pub err_repeat: &'static str,
    pub err_repeat_count: &'static str,
    pub err_repeat_until: &'static str,
    pub err_reminders: &'static str,
    pub err_ics_unreadable: &'static str,
    pub err_ics_no_events: &'static str,
    pub err_wrong_credentials: &'static str,
    pub err_unauthorized: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_internal: &'static str,
    pub err_transport: &'static str,
}

impl Strings {
    /// The sentence shown to the user for `error`.
    pub fn error(&self, error: &AppError) -> &'static str {
        match error {
            AppError::Invalid(problem) => self.invalid(*problem),
            AppError::WrongCredentials => self.err_wrong_credentials,
            AppError::Unauthorized => self.err_unauthorized,
            AppError::Forbidden => self.err_forbidden,
            AppError::NotFound => self.err_not_found,
            AppError::Internal => self.err_internal,
            AppError::Transport(_) => self.err_transport,
        }
    }

    /// The sentence shown next to a form field for `problem`.
    pub fn invalid(&self, problem: Invalid) -> &'static str {
        match problem {
            Invalid::EmailMalformed => self.err_email_malformed,
            Invalid::EmailTaken => self.err_email_taken,
            Invalid::PasswordWeak => self.err_password_weak,
            Invalid::DisplayNameEmpty => self.err_display_name_empty,
            Invalid::DisplayNameTooLong => self.err_display_name_too_long,
            Invalid::TitleEmpty => self.err_title_empty,
            Invalid::TitleTooLong => self.err_title_too_long,
            Invalid::DateMalformed => self.err_date_malformed,
            Invalid::TimeMalformed => self.err_time_malformed,
            Invalid::DurationOutOfRange => self.err_duration,
            Invalid::TimeZoneUnknown => self.err_time_zone,
            Invalid::InviteeMalformed => self.err_invitee,
            Invalid::TooManyInvitees => self.err_too_many_invitees,
            Invalid::ChatEmpty => self.err_chat_empty,
            Invalid::ChatTooLong => self.err_chat_too_long,
            Invalid::DescriptionTooLong => self.err_description_too_long,
            Invalid::RepeatInvalid => self.err_repeat,
            Invalid::RepeatCountOutOfRange => self.err_repeat_count,
            Invalid::RepeatUntilInvalid => self.err_repeat_until,
            Invalid::RemindersInvalid => self.err_reminders,
            Invalid::IcsUnreadable => self.err_ics_unreadable,
            Invalid::IcsNoEvents => self.err_ics_no_events,
            Invalid::SecondTimeZoneUnknown => self.cal_err_second_zone,
            Invalid::PushSubscription => self.push_err_subscription,
        }
    }

    /// What to tell the user when the signaling server refused a message.
    pub fn signaling_error(&self, code: crate::meeting::protocol::ErrorCode) -> &'static str {
        use crate::meeting::protocol::ErrorCode;
        match code {
            ErrorCode::InvalidChat => self.err_chat_too_long,
            ErrorCode::RateLimited => self.signal_rate_limited,
            ErrorCode::Internal => self.signal_unavailable,
            ErrorCode::NameRequired => self.err_display_name_empty,
            ErrorCode::Forbidden => self.signal_forbidden,
            ErrorCode::VideoLimit => self.signal_video_limit,
            ErrorCode::Malformed
            | ErrorCode::InvalidReaction
            | ErrorCode::NotFound
            | ErrorCode::TooLarge
            | ErrorCode::UnknownPeer
            | ErrorCode::NotJoined
            | ErrorCode::AlreadyJoined => self.signal_refused,
        }
    }

    /// Fills `{name}` in one of the templates above.
    pub fn with_name(&self, template: &str, name: &str) -> String {
        template.replace("{name}", name)
    }

    /// Fills `{n}` in one of the templates above.
    pub fn with_count(&self, template: &str, n: usize) -> String {
        template.replace("{n}", &n.to_string())
    }

    /// "Mon 16 Nov" style label for a day.
    pub fn day_label(&self, weekday_from_monday: usize, day: u32, month0: usize) -> String {
        format!(
            "{} {} {}",
            self.weekdays_short[weekday_from_monday % 7],
            day,
            self.months_short[month0 % 12]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_q() {
        assert_eq!(
            Locale::from_accept_language("de-DE,ru;q=0.8,en;q=0.5"),
            Some(Locale::Ru)
        );
        assert_eq!(
            Locale::from_accept_language("en-GB,en;q=0.9,ru;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(Locale::from_accept_language("fr, de;q=0.5"), None);
        assert_eq!(Locale::from_accept_language("ru;q=0"), None);
    }

    #[test]
    fn locale_codes_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_code(locale.code()), Some(locale));
        }
        assert_eq!(Locale::from_code("ru_RU"), Some(Locale::Ru));
    }

    #[test]
    fn every_error_has_text_in_both_languages() {
        let problems = [
            Invalid::EmailTaken,
            Invalid::PasswordWeak,
            Invalid::ChatTooLong,
        ];
        for locale in Locale::ALL {
            for p in problems {
                assert!(!locale.strings().invalid(p).is_empty());
            }
        }
        assert_ne!(
            Locale::En.strings().err_email_taken,
            Locale::Ru.strings().err_email_taken
        );
    }
}

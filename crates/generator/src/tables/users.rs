//! `users`: `user_1` ... `user_N` with names, bios, interests, expertise,
//! birth dates, prices and social handles valid for each network, privacy and
//! deactivation as the plan says, and timestamps over the last three years.

use crate::calendar::{MICROS_PER_DAY, YEAR};
use crate::copy::{Closed, Sink};
use crate::ids::USER_PREFIX;
use crate::plan::{Plan, SALT_USERS};
use crate::rng::Rng;
use crate::words::{BIOS, CITIES, EXPERTISE, FIRST_NAMES, INTERESTS, SURNAMES, ascii_letters};

/// The columns, in the order the writer below writes them.
pub(crate) const USERS_COPY: &str = "COPY users (id, username, name, surname, bio, interests, expertise, \
    birth_date, availability_status, minute_price_in_live_stream, instagram, snapchat, x, tiktok, \
    facebook, is_private, deactivated_at, created_at, updated_at) FROM STDIN";

pub(crate) fn write_users(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let today = plan.now.div_euclid(MICROS_PER_DAY);
    let mut username = String::with_capacity(32);
    let mut first = String::with_capacity(32);
    let mut last = String::with_capacity(32);
    let mut handle = String::with_capacity(64);
    let mut bio = String::with_capacity(256);
    let mut interests: Vec<&str> = Vec::with_capacity(5);
    for n in 1..=plan.users {
        let mut rng = plan.rng(SALT_USERS, n);
        let name = *rng.pick(FIRST_NAMES);
        let surname = *rng.pick(SURNAMES);
        ascii_letters(name, &mut first);
        ascii_letters(surname, &mut last);
        username.clear();
        username.push_str("user_");
        username.push_str(&n.to_string());

        out.id(USER_PREFIX, n);
        out.text(&username);
        out.text(name);
        out.text(surname);
        if rng.chance(0.4) {
            bio.clear();
            let template = *rng.pick(BIOS);
            let city = *rng.pick(CITIES);
            let topic = *rng.pick(INTERESTS);
            bio.push_str(&template.replace("{city}", city).replace("{topic}", topic));
            out.text(&bio);
        } else {
            out.null();
        }
        interests.clear();
        for _ in 0..rng.below(5) {
            let interest = *rng.pick(INTERESTS);
            if !interests.contains(&interest) {
                interests.push(interest);
            }
        }
        out.text_array(&interests);
        out.opt_text(rng.chance(0.3).then(|| *rng.pick(EXPERTISE)));
        // 18 to 65 years old.
        let age_days = 18 * 365 + 5 + rng.below(47 * 365 - 10) as i64;
        out.date(today - age_days);
        out.text(match rng.below(100) {
            0..50 => "available",
            50..65 => "busy",
            65..80 => "away",
            _ => "offline",
        });
        out.int(if rng.chance(0.4) {
            0
        } else {
            1 + rng.below(50) as i64
        });
        // Handles valid for each network's rules (see the profile update).
        let digits = n.to_string();
        let social = |rng: &mut Rng, handle: &mut String, make: &dyn Fn(&mut String)| {
            if rng.chance(0.3) {
                handle.clear();
                make(handle);
                true
            } else {
                false
            }
        };
        let instagram = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('.');
            h.push_str(&last);
            h.push_str(&digits);
            h.truncate(30);
        });
        out.opt_text(instagram.then_some(handle.as_str()));
        let snapchat = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first[..first.len().min(15 - digits.len().min(12))]);
            h.push_str(&digits[..digits.len().min(12)]);
        });
        out.opt_text(snapchat.then_some(handle.as_str()));
        let x = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first[..first.len().min(14 - digits.len().min(10))]);
            h.push('_');
            h.push_str(&digits[..digits.len().min(10)]);
        });
        out.opt_text(x.then_some(handle.as_str()));
        let tiktok = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('_');
            h.push_str(&last);
            h.truncate(24);
        });
        out.opt_text(tiktok.then_some(handle.as_str()));
        let facebook = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('.');
            h.push_str(&last);
            h.push('.');
            h.push_str(&digits);
        });
        out.opt_text(facebook.then_some(handle.as_str()));
        out.boolean(plan.is_private(n));
        // Accounts are one to three years old; deactivations are recent.
        let created = plan.now - YEAR - rng.below_i64(2 * YEAR);
        let deactivated = plan
            .is_deactivated(n)
            .then(|| plan.now - rng.below_i64(180 * MICROS_PER_DAY));
        out.opt_timestamp(deactivated);
        out.timestamp(created);
        out.timestamp(deactivated.unwrap_or(created + rng.below_i64(plan.now - created)));
        out.end_row()?;
    }
    Ok(())
}

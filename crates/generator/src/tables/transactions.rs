//! `credit_transactions`: each user's history in time order over the last
//! year, starting with a purchase, with an exact running `balance_after` that
//! never goes below zero; `user_1` gets `heavy_user_transactions` records.

use allmine_domain::history::TransactionType;

use crate::calendar::YEAR;
use crate::copy::{Closed, Sink};
use crate::ids::{STREAM_PREFIX, TRANSACTION_PREFIX, USER_PREFIX};
use crate::plan::{Plan, SALT_TRANSACTIONS};
use crate::rng::Rng;

/// The columns, in the order the writer below writes them.
pub(crate) const TRANSACTIONS_COPY: &str = "COPY credit_transactions (id, user_id, type, amount, \
    balance_after, stream_id, description, created_at) FROM STDIN";

pub(crate) fn write_transactions(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let mut next_id = 1;
    let mut times: Vec<i64> = Vec::new();
    let mut description = String::with_capacity(64);
    for user in 1..=plan.users {
        let mut rng = plan.rng(SALT_TRANSACTIONS, user);
        let count = if user == 1 {
            plan.heavy_user_transactions
        } else {
            rng.below(2 * plan.transactions_per_user + 1)
        };
        times.clear();
        times.extend((0..count).map(|_| plan.now - YEAR + rng.below_i64(YEAR)));
        times.sort_unstable();
        let mut balance: i64 = 0;
        for (i, &at) in times.iter().enumerate() {
            let mut kind = if i == 0 {
                TransactionType::Purchase
            } else {
                TransactionType::draw(&mut rng)
            };
            let mut amount = kind.amount(&mut rng);
            if balance + amount < 0 {
                kind = TransactionType::Purchase;
                amount = kind.amount(&mut rng);
            }
            balance += amount;
            description.clear();
            kind.describe(&mut description, amount, 1 + rng.below(plan.users));
            let stream =
                (kind.has_stream() && plan.streams > 0).then(|| 1 + rng.below(plan.streams));

            out.id(TRANSACTION_PREFIX, next_id);
            next_id += 1;
            out.id(USER_PREFIX, user);
            out.text(kind.as_str());
            out.int(amount);
            out.int(balance);
            match stream {
                Some(stream) => out.id(STREAM_PREFIX, stream),
                None => out.null(),
            }
            out.text(&description);
            out.timestamp(at);
            out.end_row()?;
        }
    }
    Ok(())
}

/// How the generator draws and describes credit transactions of each type.
trait Generated: Sized {
    fn draw(rng: &mut Rng) -> Self;
    fn amount(self, rng: &mut Rng) -> i64;
    fn has_stream(self) -> bool;
    fn describe(self, out: &mut String, amount: i64, other_user: u64);
}

impl Generated for TransactionType {
    /// On average a little more is spent than comes in, so balances stay in
    /// the thousands: a spend the balance cannot cover becomes a purchase.
    fn draw(rng: &mut Rng) -> Self {
        match rng.below(100) {
            0..10 => Self::Purchase,
            10..30 => Self::GiftSent,
            30..42 => Self::GiftReceived,
            42..50 => Self::StreamEarning,
            50..82 => Self::StreamSpend,
            82..85 => Self::Refund,
            85..95 => Self::Withdrawal,
            _ => Self::Adjustment,
        }
    }

    /// Signed: spending is negative.
    fn amount(self, rng: &mut Rng) -> i64 {
        let r = |rng: &mut Rng, low: i64, span: u64| low + rng.below(span) as i64;
        match self {
            Self::Purchase => *rng.pick(&[100, 250, 500, 1000, 2500, 5000]),
            Self::GiftSent => -r(rng, 1, 500),
            Self::GiftReceived => r(rng, 1, 500),
            Self::StreamEarning => r(rng, 10, 1000),
            Self::StreamSpend => -(r(rng, 1, 60) * r(rng, 1, 20)),
            Self::Refund => r(rng, 10, 500),
            Self::Withdrawal => -r(rng, 100, 2000),
            Self::Adjustment => {
                let size = r(rng, 1, 100);
                if rng.chance(0.5) { size } else { -size }
            }
        }
    }

    fn has_stream(self) -> bool {
        matches!(
            self,
            Self::GiftSent | Self::GiftReceived | Self::StreamEarning | Self::StreamSpend
        )
    }

    fn describe(self, out: &mut String, amount: i64, other_user: u64) {
        let size = amount.unsigned_abs();
        let text = match self {
            Self::Purchase => format!("Purchased {size} credits"),
            Self::GiftSent => format!("Gift of {size} credits to user_{other_user}"),
            Self::GiftReceived => format!("Gift of {size} credits from user_{other_user}"),
            Self::StreamEarning => format!("Earned {size} credits from a live stream"),
            Self::StreamSpend => format!("Spent {size} credits watching a live stream"),
            Self::Refund => format!("Refund of {size} credits"),
            Self::Withdrawal => format!("Withdrew {size} credits"),
            Self::Adjustment => format!("Balance adjustment of {amount} credits"),
        };
        out.push_str(&text);
    }
}

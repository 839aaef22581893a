//! Binary time elements: CP16Time2a, CP24Time2a, CP56Time2a (101 §7.2.6.18–20).
//!
//! The 7-bit year of CP56Time2a is a year within a century: the caller chooses the base
//! (e.g. 2000) in [`Cp56Time2a::full_year`] and the Unix conversions. Summer time (SU) is a
//! flag only: nothing here ever shifts a time by an hour.

use core::fmt;

use crate::AsduError;
use crate::wire::{Bad, Field, Short, Wire, bit, encode_via_wire, put, take, with_bit};

const MS_PER_MINUTE: u16 = 60_000;

/// CP16Time2a, elapsed time in milliseconds 0–59 999 (101 §7.2.6.20).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Cp16Time2a(u16);

impl Cp16Time2a {
    /// `millis` if it is at most 59 999.
    #[must_use]
    pub const fn new(millis: u16) -> Option<Self> {
        if millis < MS_PER_MINUTE {
            Some(Cp16Time2a(millis))
        } else {
            None
        }
    }

    /// Milliseconds, 0–59 999.
    #[must_use]
    pub const fn millis(self) -> u16 {
        self.0
    }
}

impl Wire<'_> for Cp16Time2a {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let left = b.len();
        let ms = u16::from_le_bytes(take(b)?);
        Bad::check(ms < MS_PER_MINUTE, left, 0, Field::Cp16Ms, u32::from(ms))?;
        Ok(Cp16Time2a(ms))
    }
    fn wire_len(&self) -> usize {
        2
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0.to_le_bytes())
    }
}

impl fmt::Display for Cp16Time2a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// CP24Time2a: milliseconds within the minute, minute and the invalid flag (101 §7.2.6.19).
///
/// Octets: milliseconds (2, little endian, 0–59 999); minutes (bits 1–6, 0–59), RES1, IV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Cp24Time2a([u8; 3]);

impl Cp24Time2a {
    /// A time of `minute` (0–59) and `millis` (0–59 999), valid (IV clear).
    #[must_use]
    pub const fn new(minute: u8, millis: u16) -> Option<Self> {
        if minute > 59 || millis >= MS_PER_MINUTE {
            return None;
        }
        let [a, b] = millis.to_le_bytes();
        Some(Cp24Time2a([a, b, minute]))
    }

    /// The same time with the invalid flag IV set or cleared.
    #[must_use]
    pub const fn with_invalid(self, iv: bool) -> Self {
        let [a, b, c] = self.0;
        Cp24Time2a([a, b, with_bit(c, 7, iv)])
    }

    /// The time from its three wire octets.
    ///
    /// # Errors
    /// [`AsduError::InvalidElement`] (offset within `raw`) if a field is out of range.
    pub fn from_bytes(raw: [u8; 3]) -> Result<Self, AsduError> {
        Cp24Time2a::read(&mut &raw[..]).map_err(|e| e.at(3))
    }

    /// Milliseconds within the minute, 0–59 999 (seconds × 1000 + milliseconds).
    #[must_use]
    pub const fn millis(self) -> u16 {
        let [a, b, _] = self.0;
        u16::from_le_bytes([a, b])
    }

    /// Minute, 0–59.
    #[must_use]
    pub const fn minute(self) -> u8 {
        self.0[2] & 0x3F
    }

    /// IV: the time is invalid.
    #[must_use]
    pub const fn invalid(self) -> bool {
        bit(self.0[2], 7)
    }

    /// The three octets as on the wire.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 3] {
        self.0
    }
}

impl Wire<'_> for Cp24Time2a {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let left = b.len();
        let t = Cp24Time2a(take(b)?);
        let ms = t.millis();
        Bad::check(ms < MS_PER_MINUTE, left, 0, Field::Cp24Ms, u32::from(ms))?;
        Bad::check(
            t.minute() <= 59,
            left,
            2,
            Field::Cp24Min,
            u32::from(t.minute()),
        )?;
        Ok(t)
    }
    fn wire_len(&self) -> usize {
        3
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0)
    }
}

impl fmt::Display for Cp24Time2a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis();
        write!(
            f,
            "xx:{:02}:{:02}.{:03}",
            self.minute(),
            ms / 1000,
            ms % 1000
        )?;
        if self.invalid() {
            f.write_str(" IV")?;
        }
        Ok(())
    }
}

/// CP56Time2a: a calendar time to the millisecond (101 §7.2.6.18).
///
/// Octets: milliseconds (2, 0–59 999); minutes (0–59), RES1, IV; hours (0–23), RES2 (2 bits),
/// SU; day of month (1–31), day of week (1–7, 0 = not used); month (1–12), RES3 (4 bits);
/// year (0–99), RES4. Reserved bits are kept as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cp56Time2a([u8; 7]);

impl Cp56Time2a {
    /// A valid time (IV and SU clear, day of week 0 = not used) from its fields: `year`
    /// within the century (0–99), `month` 1–12, `day` 1–31, `hour` 0–23, `minute` 0–59,
    /// `millis` within the minute 0–59 999. `None` if a field is out of range.
    #[must_use]
    pub const fn new(
        year: u8,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        millis: u16,
    ) -> Option<Self> {
        if year > 99
            || month == 0
            || month > 12
            || day == 0
            || day > 31
            || hour > 23
            || minute > 59
            || millis >= MS_PER_MINUTE
        {
            return None;
        }
        let [a, b] = millis.to_le_bytes();
        Some(Cp56Time2a([a, b, minute, hour, day, month, year]))
    }

    /// The same time with IV (invalid) set or cleared.
    #[must_use]
    pub const fn with_invalid(self, iv: bool) -> Self {
        let mut o = self.0;
        o[2] = with_bit(o[2], 7, iv);
        Cp56Time2a(o)
    }

    /// The same time with SU (summer time) set or cleared. The fields are not shifted.
    #[must_use]
    pub const fn with_summer_time(self, su: bool) -> Self {
        let mut o = self.0;
        o[3] = with_bit(o[3], 7, su);
        Cp56Time2a(o)
    }

    /// The same time with day of week `dow` (1 = Monday … 7 = Sunday, 0 = not used);
    /// `None` if `dow` > 7.
    #[must_use]
    pub const fn with_day_of_week(self, dow: u8) -> Option<Self> {
        if dow > 7 {
            return None;
        }
        let mut o = self.0;
        o[4] = (o[4] & 0x1F) | (dow << 5);
        Some(Cp56Time2a(o))
    }

    /// The time from its seven wire octets.
    ///
    /// # Errors
    /// [`AsduError::InvalidElement`] (offset within `raw`) if a field is out of range.
    pub fn from_bytes(raw: [u8; 7]) -> Result<Self, AsduError> {
        Cp56Time2a::read(&mut &raw[..]).map_err(|e| e.at(7))
    }

    /// The seven octets as on the wire.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 7] {
        self.0
    }

    /// Milliseconds within the minute, 0–59 999.
    #[must_use]
    pub const fn millis(self) -> u16 {
        u16::from_le_bytes([self.0[0], self.0[1]])
    }

    /// Second, 0–59.
    #[must_use]
    pub const fn second(self) -> u8 {
        // millis() < 60 000, so the quotient is < 60.
        (self.millis() / 1000) as u8
    }

    /// Millisecond within the second, 0–999.
    #[must_use]
    pub const fn millisecond(self) -> u16 {
        self.millis() % 1000
    }

    /// Minute, 0–59.
    #[must_use]
    pub const fn minute(self) -> u8 {
        self.0[2] & 0x3F
    }

    /// IV: the time is invalid.
    #[must_use]
    pub const fn invalid(self) -> bool {
        bit(self.0[2], 7)
    }

    /// Hour, 0–23.
    #[must_use]
    pub const fn hour(self) -> u8 {
        self.0[3] & 0x1F
    }

    /// SU: the time is summer (daylight saving) time. A flag only: never applied.
    #[must_use]
    pub const fn summer_time(self) -> bool {
        bit(self.0[3], 7)
    }

    /// Day of month, 1–31.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.0[4] & 0x1F
    }

    /// Day of week, 1 (Monday) – 7 (Sunday), 0 when not used.
    #[must_use]
    pub const fn day_of_week(self) -> u8 {
        self.0[4] >> 5
    }

    /// Month, 1–12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.0[5] & 0x0F
    }

    /// Year within the century, 0–99.
    #[must_use]
    pub const fn year(self) -> u8 {
        self.0[6] & 0x7F
    }

    /// The full year for the caller's `base` (e.g. 2000): `base + year()`.
    #[must_use]
    pub const fn full_year(self, base: u16) -> u16 {
        base.saturating_add(self.year() as u16)
    }

    /// The time `millis` milliseconds after 1970-01-01T00:00 (in whatever time zone the caller
    /// uses), with the year stored relative to `year_base`. Day of week is filled in.
    /// `None` if the year falls outside `year_base..=year_base + 99`.
    #[must_use]
    pub fn from_unix_millis(millis: u64, year_base: u16) -> Option<Self> {
        let days = millis / 86_400_000;
        let in_day = millis % 86_400_000;
        let (y, m, d) = civil_from_days(i64::try_from(days).ok()?);
        let year = u8::try_from(y.checked_sub(i64::from(year_base))?).ok()?;
        let hour = u8::try_from(in_day / 3_600_000).ok()?;
        let minute = u8::try_from(in_day / 60_000 % 60).ok()?;
        let ms = u16::try_from(in_day % 60_000).ok()?;
        // 1970-01-01 was a Thursday (4); Monday = 1.
        let dow = u8::try_from((days.checked_add(3)?) % 7)
            .ok()?
            .checked_add(1)?;
        Cp56Time2a::new(year, m, d, hour, minute, ms)?.with_day_of_week(dow)
    }

    /// Milliseconds since 1970-01-01T00:00 for the caller's `year_base`, ignoring IV, SU
    /// and day of week; `None` before 1970.
    #[must_use]
    pub fn to_unix_millis(self, year_base: u16) -> Option<u64> {
        let days = days_from_civil(
            i64::from(self.full_year(year_base)),
            self.month(),
            self.day(),
        );
        let days = u64::try_from(days).ok()?;
        let in_day = u64::from(self.hour())
            .saturating_mul(3_600_000)
            .saturating_add(u64::from(self.minute()).saturating_mul(60_000))
            .saturating_add(u64::from(self.millis()));
        days.checked_mul(86_400_000)?.checked_add(in_day)
    }
}

// Civil-date conversions (proleptic Gregorian), on bounded inputs: the year comes from a
// u16 and days from a u64 / 86 400 000, so none of these operations can overflow an i64.
#[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Wire<'_> for Cp56Time2a {
    #[inline]
    fn read(b: &mut &[u8]) -> Result<Self, Bad> {
        let left = b.len();
        let t = Cp56Time2a(take(b)?);
        let ms = t.millis();
        Bad::check(ms < MS_PER_MINUTE, left, 0, Field::Cp56Ms, u32::from(ms))?;
        Bad::check(
            t.minute() <= 59,
            left,
            2,
            Field::Cp56Min,
            u32::from(t.minute()),
        )?;
        Bad::check(
            t.hour() <= 23,
            left,
            3,
            Field::Cp56Hour,
            u32::from(t.hour()),
        )?;
        Bad::check(t.day() >= 1, left, 4, Field::Cp56Day, u32::from(t.day()))?;
        let month = t.month();
        Bad::check(
            (1..=12).contains(&month),
            left,
            5,
            Field::Cp56Month,
            u32::from(month),
        )?;
        Bad::check(
            t.year() <= 99,
            left,
            6,
            Field::Cp56Year,
            u32::from(t.year()),
        )?;
        Ok(t)
    }
    fn wire_len(&self) -> usize {
        7
    }
    #[inline]
    fn put(&self, out: &mut &mut [u8]) -> Result<(), Short> {
        put(out, self.0)
    }
}

impl fmt::Display for Cp56Time2a {
    /// `yy-mm-dd hh:mm:ss.mmm` with the two-digit year as sent, then the flags set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
            self.year(),
            self.month(),
            self.day(),
            self.hour(),
            self.minute(),
            self.second(),
            self.millisecond()
        )?;
        if self.summer_time() {
            f.write_str(" SU")?;
        }
        if self.invalid() {
            f.write_str(" IV")?;
        }
        Ok(())
    }
}

encode_via_wire!(Cp16Time2a, Cp24Time2a, Cp56Time2a);

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn cp56_layout() {
        // 2024-03-15 (Friday) 13:45:30.250, SU set: 101 §7.2.6.18 octet order.
        let t = Cp56Time2a::new(24, 3, 15, 13, 45, 30_250)
            .unwrap()
            .with_day_of_week(5)
            .unwrap()
            .with_summer_time(true);
        assert_eq!(
            t.to_bytes(),
            [0x2A, 0x76, 45, 0x80 | 13, (5 << 5) | 15, 3, 24]
        );
        assert_eq!(
            (t.second(), t.millisecond(), t.full_year(2000)),
            (30, 250, 2024)
        );
        assert!(t.summer_time() && !t.invalid());
        assert_eq!(t.to_string(), "24-03-15 13:45:30.250 SU");
        assert_eq!(Cp56Time2a::from_bytes(t.to_bytes()), Ok(t));
    }

    #[test]
    fn cp56_rejects_out_of_range_fields() {
        let ok = [0, 0, 0, 0, 1, 1, 0];
        assert!(Cp56Time2a::from_bytes(ok).is_ok());
        for (i, v, field) in [
            (0, 0x60, "CP56Time2a milliseconds"), // 0xEA60 = 60 000
            (2, 60, "CP56Time2a minutes"),
            (3, 24, "CP56Time2a hours"),
            (4, 0, "CP56Time2a day of month"),
            (5, 13, "CP56Time2a month"),
            (5, 0, "CP56Time2a month"),
            (6, 100, "CP56Time2a year"),
        ] {
            let mut b = ok;
            b[i] = v;
            if i == 0 {
                b[1] = 0xEA;
            }
            match Cp56Time2a::from_bytes(b) {
                Err(AsduError::InvalidElement {
                    offset, field: f, ..
                }) => {
                    assert_eq!((offset, f), (i, field));
                }
                other => panic!("{b:?}: {other:?}"),
            }
        }
        // Reserved bits are kept, not rejected.
        let res = [0, 0, 0x40, 0x60, 1, 0xF1, 0x80];
        assert_eq!(Cp56Time2a::from_bytes(res).unwrap().to_bytes(), res);
    }

    #[test]
    fn unix_conversion_round_trips() {
        // 2024-02-29T23:59:59.999 (a Thursday).
        let ms = 1_709_251_199_999;
        let t = Cp56Time2a::from_unix_millis(ms, 2000).unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (24, 2, 29));
        assert_eq!(
            (t.hour(), t.minute(), t.second(), t.millisecond()),
            (23, 59, 59, 999)
        );
        assert_eq!(t.day_of_week(), 4);
        assert_eq!(t.to_unix_millis(2000), Some(ms));
        assert_eq!(Cp56Time2a::from_unix_millis(0, 2000), None);
        let epoch = Cp56Time2a::from_unix_millis(0, 1970).unwrap();
        assert_eq!(epoch.day_of_week(), 4);
        assert_eq!(epoch.to_unix_millis(1970), Some(0));
    }

    #[test]
    fn cp24_and_cp16() {
        let t = Cp24Time2a::new(7, 59_999).unwrap().with_invalid(true);
        assert_eq!(t.to_bytes(), [0x5F, 0xEA, 0x87]);
        assert_eq!((t.minute(), t.millis(), t.invalid()), (7, 59_999, true));
        assert!(Cp24Time2a::new(60, 0).is_none());
        assert!(matches!(
            Cp24Time2a::from_bytes([0x60, 0xEA, 0]),
            Err(AsduError::InvalidElement {
                offset: 0,
                value: 60_000,
                ..
            })
        ));
        assert!(Cp16Time2a::new(60_000).is_none());
        assert_eq!(Cp16Time2a::new(1).unwrap().millis(), 1);
    }
}

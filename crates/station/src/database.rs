//! The point database the application owns and the outstation reads (101 §7.4.2, §7.4.5, §7.4.8).

use asdu::{Bcr, CommonAddress, InfoObject, Ioa, Qcc, TypeId, Value};

/// Which points an interrogation asks for (QOI, 101 §7.2.6.22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// QOI 20: station (general) interrogation, every point that takes part in it.
    Station,
    /// QOI 21–36: group 1–16.
    Group(u8),
}

/// Which counters a counter interrogation asks for (RQT of QCC, 101 §7.2.6.23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterScope {
    /// RQT 5: general request counter.
    General,
    /// RQT 1–4: counter group 1–4.
    Group(u8),
}

/// How a controllable point accepts commands (101 §7.4.7, select and execute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandMode {
    /// Direct execute only: a select (S/E = 1) is refused.
    Direct,
    /// Select before operate: an execute must follow a matching, unexpired select.
    SelectBeforeOperate,
    /// Both direct execute and select before operate are accepted.
    Any,
}

/// The station's points, as the outstation core sees them. The application owns the storage
/// (an array, a map, shared memory) and updates the values; the core only reads, and calls
/// [`PointDatabase::freeze_counters`] on a counter interrogation with freeze or reset.
///
/// Every lookup is by common address, so one database can serve several logical stations.
/// Iteration is by ascending information object address with an `after` cursor: the core keeps
/// only the last address it sent, so an interrogation resumes correctly even if points are
/// added or removed while it runs.
pub trait PointDatabase {
    /// The first point with address greater than `after` (or the lowest when `after` is
    /// `None`) that belongs to `scope` at `ca`. The value may carry a time tag: the core sends
    /// interrogated data without one (101 §7.4.5: M_SP_TB_1 is answered as M_SP_NA_1).
    fn next_point(
        &self,
        ca: CommonAddress,
        scope: Scope,
        after: Option<Ioa>,
    ) -> Option<InfoObject<'_>>;

    /// The point at `ioa`, for a read command (C_RD_NA_1, 101 §7.4.2); `None` answers with
    /// cause 47 (unknown information object address). The value is sent as returned.
    fn read_point(&self, ca: CommonAddress, ioa: Ioa) -> Option<InfoObject<'_>>;

    /// The first integrated total with address greater than `after` in `scope` at `ca`.
    fn next_counter(
        &self,
        ca: CommonAddress,
        scope: CounterScope,
        after: Option<Ioa>,
    ) -> Option<(Ioa, Bcr)>;

    /// Freeze and/or reset the counters a counter interrogation names (FRZ ≠ 0). Called once
    /// per served common address, before the activation confirmation is sent.
    fn freeze_counters(&mut self, ca: CommonAddress, qcc: Qcc) {
        let _ = (ca, qcc);
    }

    /// How the point at `ioa` accepts commands or parameters of `type_id`; `None` if there is
    /// no such controllable point (answered with cause 47).
    fn command_mode(&self, ca: CommonAddress, ioa: Ioa, type_id: TypeId) -> Option<CommandMode>;
}

/// The same information without a time tag: the type an interrogation answers with
/// (M_SP_TB_1 → M_SP_NA_1, M_ME_TF_1 → M_ME_NC_1, …). Values without a time tag are returned
/// unchanged; protection events (M_EP_*), which have no untimed form, give `None`.
#[must_use]
pub fn without_time_tag<'a>(v: &Value<'a>) -> Option<Value<'a>> {
    Some(match *v {
        Value::MSpTa1(s, _) | Value::MSpTb1(s, _) => Value::MSpNa1(s),
        Value::MDpTa1(d, _) | Value::MDpTb1(d, _) => Value::MDpNa1(d),
        Value::MStTa1(v, q, _) | Value::MStTb1(v, q, _) => Value::MStNa1(v, q),
        Value::MBoTa1(b, q, _) | Value::MBoTb1(b, q, _) => Value::MBoNa1(b, q),
        Value::MMeTa1(n, q, _) | Value::MMeTd1(n, q, _) => Value::MMeNa1(n, q),
        Value::MMeTb1(s, q, _) | Value::MMeTe1(s, q, _) => Value::MMeNb1(s, q),
        Value::MMeTc1(f, q, _) | Value::MMeTf1(f, q, _) => Value::MMeNc1(f, q),
        Value::MItTa1(b, _) | Value::MItTb1(b, _) => Value::MItNa1(b),
        Value::MEpTa1(..)
        | Value::MEpTb1(..)
        | Value::MEpTc1(..)
        | Value::MEpTd1(..)
        | Value::MEpTe1(..)
        | Value::MEpTf1(..) => return None,
        other => other,
    })
}

/// One point of a [`SliceDatabase`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Common address of the station the point belongs to.
    pub ca: CommonAddress,
    /// Information object address.
    pub ioa: Ioa,
    /// Current value (monitor type), or `None` for a command-only point.
    pub value: Option<Value<'static>>,
    /// Interrogation groups 1–16 as bits 0–15; station interrogation covers every point with
    /// a value and `in_station` set.
    pub groups: u16,
    /// Whether a station interrogation includes the point.
    pub in_station: bool,
    /// Counter group 1–4 as bits 0–3 (only for integrated totals).
    pub counter_groups: u8,
    /// Command acceptance, or `None` if the point takes no commands.
    pub command: Option<CommandMode>,
}

impl Point {
    /// A monitored point at `ioa` in the station interrogation and no group.
    #[must_use]
    pub const fn monitored(ca: CommonAddress, ioa: Ioa, value: Value<'static>) -> Self {
        Point {
            ca,
            ioa,
            value: Some(value),
            groups: 0,
            in_station: true,
            counter_groups: 0,
            command: None,
        }
    }

    /// A command-only point.
    #[must_use]
    pub const fn controllable(ca: CommonAddress, ioa: Ioa, mode: CommandMode) -> Self {
        Point {
            ca,
            ioa,
            value: None,
            groups: 0,
            in_station: false,
            counter_groups: 0,
            command: Some(mode),
        }
    }
}

/// A [`PointDatabase`] over a caller-provided slice of [`Point`]s sorted by (common address,
/// address), looked up by binary search. Enough for tests, simulators and small stations; a
/// large station implements the trait over its own storage.
#[derive(Debug)]
pub struct SliceDatabase<'p> {
    points: &'p mut [Point],
}

impl<'p> SliceDatabase<'p> {
    /// The database over `points`, which it sorts by (common address, address).
    pub fn new(points: &'p mut [Point]) -> Self {
        points.sort_unstable_by_key(|p| (p.ca, p.ioa));
        SliceDatabase { points }
    }

    /// The points, sorted.
    #[must_use]
    pub fn points(&self) -> &[Point] {
        self.points
    }

    fn index_after(&self, ca: CommonAddress, after: Option<Ioa>) -> usize {
        match after {
            None => self.points.partition_point(|p| p.ca < ca),
            Some(a) => self.points.partition_point(|p| (p.ca, p.ioa) <= (ca, a)),
        }
    }

    fn find(&self, ca: CommonAddress, ioa: Ioa) -> Option<&Point> {
        let i = self
            .points
            .binary_search_by_key(&(ca, ioa), |p| (p.ca, p.ioa))
            .ok()?;
        self.points.get(i)
    }

    /// Set the value of the point at (`ca`, `ioa`); `false` if there is none.
    pub fn set_value(&mut self, ca: CommonAddress, ioa: Ioa, value: Value<'static>) -> bool {
        match self
            .points
            .binary_search_by_key(&(ca, ioa), |p| (p.ca, p.ioa))
        {
            Ok(i) => match self.points.get_mut(i) {
                Some(p) => {
                    p.value = Some(value);
                    true
                }
                None => false,
            },
            Err(_) => false,
        }
    }
}

impl PointDatabase for SliceDatabase<'_> {
    fn next_point(
        &self,
        ca: CommonAddress,
        scope: Scope,
        after: Option<Ioa>,
    ) -> Option<InfoObject<'_>> {
        let start = self.index_after(ca, after);
        self.points
            .get(start..)?
            .iter()
            .take_while(|p| p.ca == ca)
            .filter(|p| match scope {
                Scope::Station => p.in_station,
                Scope::Group(n) => {
                    n >= 1
                        && p.groups
                            & 1u16
                                .checked_shl(u32::from(n).saturating_sub(1))
                                .unwrap_or(0)
                            != 0
                }
            })
            .find_map(|p| {
                let v = p.value?;
                (!matches!(v, Value::MItNa1(_) | Value::MItTa1(..) | Value::MItTb1(..)))
                    .then_some(InfoObject::new(p.ioa, v))
            })
    }

    fn read_point(&self, ca: CommonAddress, ioa: Ioa) -> Option<InfoObject<'_>> {
        let p = self.find(ca, ioa)?;
        p.value.map(|v| InfoObject::new(p.ioa, v))
    }

    fn next_counter(
        &self,
        ca: CommonAddress,
        scope: CounterScope,
        after: Option<Ioa>,
    ) -> Option<(Ioa, Bcr)> {
        let start = self.index_after(ca, after);
        self.points
            .get(start..)?
            .iter()
            .take_while(|p| p.ca == ca)
            .find_map(|p| {
                let bcr = match p.value? {
                    Value::MItNa1(b) | Value::MItTa1(b, _) | Value::MItTb1(b, _) => b,
                    _ => return None,
                };
                let member = match scope {
                    CounterScope::General => true,
                    CounterScope::Group(n) => {
                        n >= 1
                            && p.counter_groups
                                & 1u8.checked_shl(u32::from(n).saturating_sub(1)).unwrap_or(0)
                                != 0
                    }
                };
                member.then_some((p.ioa, bcr))
            })
    }

    fn command_mode(&self, ca: CommonAddress, ioa: Ioa, _type_id: TypeId) -> Option<CommandMode> {
        self.find(ca, ioa)?.command
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use asdu::{Cp16Time2a, Cp56Time2a, Qds, Quality, Sep, Siq};

    #[test]
    fn time_tags_are_stripped_for_interrogation() {
        let t = Cp56Time2a::new(26, 1, 1, 0, 0, 0).unwrap();
        let siq = Siq::new(true, Quality::GOOD);
        assert_eq!(
            without_time_tag(&Value::MSpTb1(siq, t)),
            Some(Value::MSpNa1(siq))
        );
        let q = Qds::new(Quality::GOOD);
        assert_eq!(
            without_time_tag(&Value::MMeTf1(1.5, q, t)),
            Some(Value::MMeNc1(1.5, q))
        );
        assert_eq!(
            without_time_tag(&Value::MMeNc1(1.5, q)),
            Some(Value::MMeNc1(1.5, q))
        );
        let sep = Sep::new(asdu::Dpi::On, Quality::GOOD);
        let ep = Value::MEpTd1(sep, Cp16Time2a::new(1).unwrap(), t);
        assert_eq!(without_time_tag(&ep), None);
    }

    #[test]
    fn slice_database_groups_and_cursor() {
        let ca = CommonAddress(1);
        let v = Value::MSpNa1(Siq::new(true, Quality::GOOD));
        let mut pts = [
            Point {
                groups: 0b10,
                ..Point::monitored(ca, Ioa::from(5), v)
            },
            Point {
                in_station: false,
                ..Point::monitored(ca, Ioa::from(3), v)
            },
            Point::monitored(CommonAddress(2), Ioa::from(1), v),
            Point::controllable(ca, Ioa::from(9), CommandMode::Any),
        ];
        let mut db = SliceDatabase::new(&mut pts);
        let next = |db: &SliceDatabase<'_>, s, a| db.next_point(ca, s, a).map(|o| o.ioa.value());
        assert_eq!(next(&db, Scope::Station, None), Some(5));
        assert_eq!(next(&db, Scope::Station, Some(Ioa::from(5))), None);
        assert_eq!(next(&db, Scope::Group(2), None), Some(5));
        assert_eq!(next(&db, Scope::Group(1), None), None);
        assert_eq!(next(&db, Scope::Group(0), None), None);
        assert_eq!(
            db.read_point(ca, Ioa::from(3)).map(|o| o.ioa.value()),
            Some(3)
        );
        assert!(db.read_point(ca, Ioa::from(9)).is_none(), "command-only");
        assert_eq!(
            db.command_mode(ca, Ioa::from(9), TypeId::CScNa1),
            Some(CommandMode::Any)
        );
        assert!(db.set_value(
            ca,
            Ioa::from(3),
            Value::MSpNa1(Siq::new(false, Quality::GOOD))
        ));
        assert!(!db.set_value(ca, Ioa::from(4), v));
        assert_eq!(db.points().len(), 4);
    }
}

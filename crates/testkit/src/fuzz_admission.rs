//! Fuzz body for the accept-time admission of `telecontrol-core` (`admission`, feature
//! `std`): a script of admissions from four addresses (IPv4 and IPv6), places released in any
//! order, limit and allow-list changes, admissions through a clone of the handle and bursts
//! from two threads at once. A model predicts every outcome of the single-threaded steps
//! exactly (the refusal and its reason, the open count, the counters); a burst's number of
//! admissions is predicted whatever the interleaving (refusals change nothing, so each
//! address gets `min(asked, room)` until the server is full) and its refusals must add up.
//! At the end every place is released: the open count returns to zero and every address can
//! be admitted up to its limit again.
#![allow(
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use telecontrol_core::admission::{Admission, AdmissionStats, Limits, Place, Refusal};

const IPS: [IpAddr; 4] = [
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    IpAddr::V4(Ipv4Addr::LOCALHOST),
];

#[derive(Clone, Copy, Debug)]
struct L {
    max: usize,
    per: usize,
    /// Bit i: `IPS[i]` allowed; `None`: no allow-list.
    allow: Option<u8>,
}

impl L {
    fn from(a: u8, b: u8) -> L {
        L {
            max: usize::from(a % 8),
            per: usize::from(a >> 4) % 5,
            allow: (b & 0x80 != 0).then_some(b & 0x0F),
        }
    }
}

impl Limits for L {
    fn max_connections(&self) -> usize {
        self.max
    }
    fn max_per_address(&self) -> usize {
        self.per
    }
    fn allows(&self, ip: IpAddr) -> bool {
        self.allow.is_none_or(|mask| {
            IPS.iter()
                .zip(0..)
                .any(|(a, i)| *a == ip && mask >> i & 1 != 0)
        })
    }
}

/// The model: places by address index, refusals by reason.
#[derive(Default)]
struct Model {
    per: [usize; 4],
    stats: AdmissionStats,
}

impl Model {
    fn open(&self) -> usize {
        self.per.iter().sum()
    }

    fn admit(&mut self, limits: &L, i: usize) -> Result<(), Refusal> {
        if !limits.allows(IPS[i]) {
            self.stats.not_allowed += 1;
            return Err(Refusal::NotAllowed);
        }
        if self.open() >= limits.max {
            self.stats.too_many += 1;
            return Err(Refusal::TooManyConnections);
        }
        if self.per[i] >= limits.per {
            self.stats.too_many_from_address += 1;
            return Err(Refusal::TooManyFromAddress);
        }
        self.per[i] += 1;
        Ok(())
    }
}

/// Run the admission script `data`.
pub fn admission(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = move || it.next();
    let (Some(a), Some(b)) = (next(), next()) else {
        return;
    };
    let mut limits = L::from(a, b);
    let adm = Admission::default();
    let mut model = Model::default();
    let mut places: Vec<(usize, Place)> = Vec::new();
    let mut steps = 0;
    while let (Some(op), Some(arg)) = (next(), next()) {
        steps += 1;
        if steps > 512 {
            break;
        }
        match op % 5 {
            // Admit (op 1: through a clone of the handle, which shares the counts).
            0 | 1 => {
                let i = usize::from(arg % 4);
                let got = if op % 5 == 1 {
                    adm.clone().admit(&limits, IPS[i])
                } else {
                    adm.admit(&limits, IPS[i])
                };
                let want = model.admit(&limits, i);
                match (got, want) {
                    (Ok(p), Ok(())) => places.push((i, p)),
                    (Err(g), Err(w)) if g == w => {}
                    (g, w) => panic!("admit {i} under {limits:?}: {g:?}, model {w:?}"),
                }
            }
            // Release a place.
            2 => {
                if !places.is_empty() {
                    let (i, p) = places.swap_remove(usize::from(arg) % places.len());
                    drop(p);
                    model.per[i] -= 1;
                }
            }
            // New limits (lower ones leave the open places open).
            3 => {
                let Some(b) = next() else { break };
                limits = L::from(arg, b);
            }
            // A burst from two threads: `arg` low bits ask per thread, each thread its own
            // address pair.
            _ => {
                let n = usize::from(arg % 4) + 1;
                let (x, y) = (usize::from(arg >> 2) % 4, usize::from(arg >> 4) % 4);
                let before = adm.stats();
                let results: Vec<Vec<Result<Place, Refusal>>> = std::thread::scope(|s| {
                    let h: Vec<_> = [x, y]
                        .into_iter()
                        .map(|i| {
                            let adm = adm.clone();
                            s.spawn(move || (0..n).map(|_| adm.admit(&limits, IPS[i])).collect())
                        })
                        .collect();
                    h.into_iter()
                        .map(|h| h.join().unwrap_or_else(|_| panic!("burst thread")))
                        .collect()
                });
                // Predicted admissions: each address gets what it asked within its room
                // until the server is full.
                let mut asked = [0usize; 4];
                asked[x] += n;
                asked[y] += n;
                let mut room_total = 0;
                let mut refused_not_allowed = 0;
                for (i, ask) in asked.iter().enumerate() {
                    if !limits.allows(IPS[i]) {
                        refused_not_allowed += ask;
                        continue;
                    }
                    room_total += (*ask).min(limits.per.saturating_sub(model.per[i]));
                }
                let admitted_want = room_total.min(limits.max.saturating_sub(model.open()));
                let mut admitted = 0;
                for (r, i) in results.into_iter().zip([x, y]) {
                    for p in r.into_iter().flatten() {
                        admitted += 1;
                        model.per[i] += 1;
                        places.push((i, p));
                    }
                }
                assert_eq!(
                    admitted, admitted_want,
                    "burst {x}/{y} × {n} under {limits:?}"
                );
                let after = adm.stats();
                let refused = (after.not_allowed - before.not_allowed)
                    + (after.too_many - before.too_many)
                    + (after.too_many_from_address - before.too_many_from_address);
                assert_eq!(refused, (2 * n - admitted) as u64, "burst refusals");
                assert_eq!(
                    after.not_allowed - before.not_allowed,
                    refused_not_allowed as u64
                );
                model.stats = after;
            }
        }
        assert_eq!(adm.open(), model.open(), "open count");
        assert_eq!(adm.stats(), model.stats, "refusal counters");
        let mut per = [0usize; 4];
        for (i, _) in &places {
            per[*i] += 1;
        }
        assert_eq!(per, model.per, "places by address");
    }
    drop(places);
    assert_eq!(adm.open(), 0, "every place released");
    // Every address's count is back at zero: each can fill its limit again.
    let limits = L {
        max: 4 * 4,
        per: 4,
        allow: None,
    };
    let stats = adm.stats();
    let mut again = Vec::new();
    for ip in IPS {
        for _ in 0..limits.per {
            again.push(
                adm.admit(&limits, ip)
                    .unwrap_or_else(|r| panic!("{ip} after release: {r}")),
            );
        }
    }
    assert_eq!(adm.open(), 16);
    assert_eq!(adm.stats(), stats, "no refusal counted");
    drop(again);
    assert_eq!(adm.open(), 0);
}

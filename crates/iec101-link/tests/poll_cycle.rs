//! The polling cycle of an unbalanced line computed from the simulation: 32 secondaries at
//! 9600 baud, 8E1 (11 bits per character, as FT1.2 prescribes), measured as the time between
//! two class 2 polls of the same secondary in steady state, and checked against the
//! closed-form line time. `cargo test -p telecontrol-iec101-link --test poll_cycle -- --nocapture`
//! prints the table recorded in docs/benchmarks.md.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::type_complexity,
    missing_docs
)]

mod common;
use common::sim::Sim;
use core::time::Duration;
use telecontrol_core::Instant;
use telecontrol_iec101_link::{
    LinkConfig, NoDataResponse, Primary, PrimaryConfig, Secondary, SecondaryConfig,
};

const N: usize = 32;
const BAUD: u32 = 9600;
const BITS: u32 = 11;

/// Build the line; `answer` sets what each secondary has for class 2 polls.
fn line(no_data: NoDataResponse, turnaround: Duration) -> Sim<N, 4> {
    let link = LinkConfig {
        response_timeout: Duration::from_millis(300),
        ..LinkConfig::default()
    };
    let mut m = Primary::<N, 4>::new(PrimaryConfig {
        link,
        ..PrimaryConfig::default()
    })
    .unwrap();
    let mut slaves = Vec::new();
    for addr in 1..=N as u16 {
        m.add_secondary(addr).unwrap();
        slaves.push(
            Secondary::new(SecondaryConfig {
                link,
                address: addr,
                no_data,
            })
            .unwrap(),
        );
    }
    let mut sim = Sim::new(m, slaves);
    sim.baud = BAUD;
    sim.bits = BITS;
    sim.turnaround = turnaround;
    sim
}

/// Steady-state cycle: mean interval between class 2 polls of station 1 over `cycles`.
fn cycle(sim: &mut Sim<N, 4>, cycles: usize, refill: Option<&[u8]>) -> Duration {
    // Start-up of all links.
    sim.run_until(Instant::from_secs(5), 100_000);
    let mut polls: Vec<Instant> = Vec::new();
    let mut seen = sim.line.len();
    while polls.len() <= cycles {
        if let Some(asdu) = refill {
            for s in &mut sim.slaves {
                if s.queued().1 == 0 {
                    s.queue_class2(asdu).unwrap();
                }
            }
        }
        assert!(sim.step());
        for (t, who, bytes) in &sim.line[seen..] {
            // A class 2 request (function 11) to station 1: its start time on the line.
            if *who == 'M' && bytes.len() == 5 && bytes[1] & 0x4F == 0x4B && bytes[2] == 1 {
                polls.push(*t - common::sim::tx_time(5, BAUD, BITS));
            }
        }
        seen = sim.line.len();
    }
    (polls[cycles] - polls[0]) / cycles as u32
}

/// Line time of one poll: request + turnaround + answer, octets at 11 bits per character.
fn per_poll(request: usize, answer: usize, turnaround: Duration) -> f64 {
    ((request + answer) as f64 * BITS as f64 / BAUD as f64) * 1e3 + turnaround.as_secs_f64() * 1e3
}

#[test]
fn cycle_of_32_secondaries_at_9600_8e1() {
    let cases: [(&str, NoDataResponse, Option<&[u8]>, usize, Duration); 4] = [
        (
            "no data, 0xE5 answer",
            NoDataResponse::SingleChar,
            None,
            1,
            Duration::ZERO,
        ),
        (
            "no data, fixed NACK (FC 9)",
            NoDataResponse::NackNoData,
            None,
            5,
            Duration::ZERO,
        ),
        (
            "20-octet ASDU every poll",
            NoDataResponse::SingleChar,
            Some(&[0x55; 20]),
            28,
            Duration::ZERO,
        ),
        (
            "0xE5 answer, 5 ms turnaround",
            NoDataResponse::SingleChar,
            None,
            1,
            Duration::from_millis(5),
        ),
    ];
    println!(
        "| case | octets per poll | per poll (ms) | cycle of 32 (ms), formula | cycle of 32 (ms), simulation |"
    );
    println!("|---|---|---|---|---|");
    for (name, no_data, refill, answer, turnaround) in cases {
        let mut sim = line(no_data, turnaround);
        let measured = cycle(&mut sim, 5, refill);
        let poll = per_poll(5, answer, turnaround);
        let formula = poll * N as f64;
        let sim_ms = measured.as_secs_f64() * 1e3;
        println!("| {name} | 5 + {answer} | {poll:.3} | {formula:.1} | {sim_ms:.1} |");
        // The simulation rounds each frame's line time up to a whole microsecond.
        assert!(
            (sim_ms - formula).abs() < 0.1,
            "{name}: simulated {sim_ms} ms, formula {formula} ms"
        );
    }
}

#[test]
fn a_dead_secondary_costs_one_timeout_sequence_per_back_off() {
    let mut sim = line(NoDataResponse::SingleChar, Duration::ZERO);
    sim.alive[16] = false;
    sim.run_until(Instant::from_secs(60), 1_000_000);
    let healthy = per_poll(5, 1, Duration::ZERO) * (N - 1) as f64;
    // Over 60 s, station 17 was tried at 0, 5, 15, 35 s (back-off 5 s doubling): 4 attempts
    // of 1 + 3 retries x 300 ms = 1.2 s each, i.e. 4.8 s of the 60 s line time.
    let failures = sim
        .master_events
        .iter()
        .filter(|(_, e)| e == "NoResponse { address: 17 }")
        .count();
    assert_eq!(failures, 4);
    let polls1 = sim
        .line
        .iter()
        .filter(|(_, w, b)| *w == 'M' && b[2] == 1 && b[1] & 0x0F == 11)
        .count();
    let expected = (60_000.0 - 4.0 * 1_200.0) / healthy;
    println!(
        "dead secondary: {polls1} cycles in 60 s (healthy 31-station cycle {healthy:.1} ms, expected about {expected:.0})"
    );
    assert!(
        (polls1 as f64 - expected).abs() < 0.02 * expected,
        "{polls1} vs {expected}"
    );
}

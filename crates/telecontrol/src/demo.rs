//! `telecontrol demo`: a substation RTU (the sample IEC 60870-5-104 station), the gateway
//! (104 client → TASE.2 server) and a control-centre TASE.2 client, all on 127.0.0.1 in this
//! process. The client receives the RTU's values through a report-by-exception transfer set,
//! then operates the breaker (TASE.2 select/operate → 104 select/execute at the RTU) and
//! waits for the breaker's new state to come back as a report.

use crate::gateway::config::GatewayConfig;
use crate::gateway::run::{Gateway, GatewayEvent};
use crate::live::LiveTable;
use crate::pcap::Capture;
use crate::sim104::points::StationSpec;
use crate::sim104::server::{ServerOptions, serve};
use anyhow::{Context, Result, anyhow, bail};
use mms_pdu::ber::Oid;
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tase2_transfer_sets::client::{PointName, Reading, Tase2Report, TransferSetOptions};
use tase2_transfer_sets::{DeviceValue, DsConditions, State, Value, ValueKind};
use telecontrol_tokio::tase2::{Tase2Client, Tase2ClientConfig};

/// The demo control centre's AP-title, 1.3.9999.1, as encoded (the gateway's bilateral
/// table names it).
const CC_AP_TITLE: [u8; 4] = [0x2B, 0xCE, 0x0F, 0x01];
/// The demo control centre's AE-qualifier.
const CC_AE_QUALIFIER: i64 = 12;

/// What `demo` runs.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// How long values are shown before the control round trip.
    pub live: Duration,
    /// JSON lines instead of text.
    pub json: bool,
    /// Record the control centre ↔ gateway (TASE.2) and gateway ↔ RTU (104) traffic in
    /// this pcap file, through recording relays.
    pub pcap: Option<PathBuf>,
}

/// What the demo measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DemoSummary {
    /// Reports the control centre received.
    pub reports: u64,
    /// Point values in them.
    pub values: u64,
    /// Select → operate → breaker state reported back, in milliseconds.
    pub round_trip_ms: u128,
    /// ASDUs the gateway received from the RTU.
    pub asdus: u64,
    /// 104 commands the RTU completed.
    pub commands: u64,
}

/// A point value as text: value, then quality and time when not plain.
#[must_use]
pub fn value_text(v: &Value) -> String {
    match value_parts(v) {
        (number, Some(q)) => format!("{number} ({q})"),
        (number, None) => number,
    }
}

/// A point value as its value and, when it has flags, its quality (validity, source).
#[must_use]
pub fn value_parts(v: &Value) -> (String, Option<String>) {
    let number = match v {
        Value::Real(x) => format!("{x}"),
        Value::RealQ(q) => format!("{}", q.value),
        Value::RealQTimeTag(t) => format!("{}", t.value),
        Value::RealExtended(e) => format!("{}", e.value),
        Value::RealQTimeTagExtended(t) => format!("{}", t.value),
        Value::Discrete(x) => format!("{x}"),
        Value::DiscreteQ(q) => format!("{}", q.value),
        Value::DiscreteQTimeTag(t) => format!("{}", t.value),
        Value::DiscreteExtended(e) => format!("{}", e.value),
        Value::DiscreteQTimeTagExtended(t) => format!("{}", t.value),
        other => match other.flags() {
            Some(f) => state_text(f.state()).to_owned(),
            None => format!("{other:?}"),
        },
    };
    let quality = v
        .flags()
        .map(|f| format!("{:?}, {:?}", f.validity(), f.current_source()));
    (number, quality)
}

fn state_text(s: State) -> &'static str {
    match s {
        State::Between => "BETWEEN",
        State::Tripped => "OFF/TRIPPED",
        State::Closed => "ON/CLOSED",
        State::Invalid => "INVALID",
    }
}

fn breaker_state(report: &Tase2Report) -> Option<State> {
    report.values.iter().find_map(|(name, r)| match r {
        Reading::Value(v) if name.item == "RTU1_BRK1_POS" => v.flags().map(|f| f.state()),
        _ => None,
    })
}

/// Run the demo on a new runtime.
///
/// # Errors
/// Any step that fails, with the reason.
pub fn run(opts: DemoOptions) -> Result<DemoSummary> {
    let mut capture = opts.pcap.as_deref().map(Capture::start).transpose()?;
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?
        .block_on(demo(&opts, capture.as_mut()));
    // Finished whatever the outcome: a failed run's traffic is what one wants to look at.
    if let Some(c) = capture {
        let path = c.path().display().to_string();
        let frames = c.finish()?;
        say(
            opts.json,
            &json!({"event": "pcap", "file": path, "frames": frames}),
            &format!("PCAP      {frames} frames written to {path}"),
        );
    }
    result
}

/// A line on stdout; a closed stdout (`| head`) is not an error worth a panic.
fn say(json: bool, v: &serde_json::Value, text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{v}")
    } else {
        writeln!(out, "{text}")
    };
}

/// Where the demo's output goes: JSON lines, plain lines, or (text on a terminal) messages
/// above a live table of the points.
struct Out {
    json: bool,
    table: Option<LiveTable>,
}

impl Out {
    fn new(json: bool) -> Out {
        let table = Some(LiveTable::stdout()).filter(|t| !json && t.is_live());
        Out { json, table }
    }

    fn say(&mut self, v: &serde_json::Value, text: &str) {
        match &mut self.table {
            Some(t) if !self.json => t.line(text),
            _ => say(self.json, v, text),
        }
    }

    /// The live table's rows from a report the demo does not print value by value.
    fn refresh(&mut self, report: &Tase2Report) {
        let Some(t) = &mut self.table else { return };
        for (name, r) in &report.values {
            if let Reading::Value(v) = r {
                let (value, quality) = value_parts(v);
                t.update(&name.item, &value, quality.as_deref().unwrap_or("-"), "");
            }
        }
    }

    /// A point's value: a row of the live table, or a line.
    fn value(&mut self, point: &str, v: &Value, as_json: &serde_json::Value, line: &str) {
        match &mut self.table {
            Some(t) if !self.json => {
                let (value, quality) = value_parts(v);
                t.update(point, &value, quality.as_deref().unwrap_or("-"), line);
            }
            _ => say(self.json, as_json, line),
        }
    }
}

async fn within<T>(limit: Duration, what: &str, f: impl Future<Output = T>) -> Result<T> {
    tokio::time::timeout(limit, f)
        .await
        .map_err(|_| anyhow!("{what}: no answer within {} s", limit.as_secs()))
}

#[allow(clippy::too_many_lines)]
async fn demo(opts: &DemoOptions, mut capture: Option<&mut Capture>) -> Result<DemoSummary> {
    let json = opts.json;
    let mut out = Out::new(json);
    // 1. The RTU: the sample 104 station, values changing every 500 ms.
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let rtu = tokio::spawn(serve(
        ServerOptions {
            bind: "127.0.0.1:0".parse()?,
            station: StationSpec::sample(1),
            duration: None,
            tick: Duration::from_millis(500),
            json: false,
        },
        Some(ready_tx),
    ));
    let rtu_addr = within(Duration::from_secs(10), "RTU start", ready)
        .await?
        .context("the RTU did not start")?;
    out.say(
        &json!({"event": "rtu", "addr": rtu_addr.to_string()}),
        &format!("RTU       IEC 60870-5-104 server on {rtu_addr} (sample station, CA 1)"),
    );

    // With --pcap, the gateway reaches the RTU and the control centre the gateway through
    // recording relays.
    let rtu_target = match capture.as_deref_mut() {
        Some(c) => c.client(rtu_addr)?,
        None => rtu_addr,
    };

    // 2. The gateway: 104 client of the RTU, TASE.2 server for the control centre.
    let config = GatewayConfig::demo("127.0.0.1:0".parse()?, rtu_target);
    let mut gateway = Gateway::start(config).await?;
    let gw_addr = gateway.local_addr();
    out.say(&json!({"event": "gateway", "tase2": gw_addr.to_string(), "rtu": rtu_addr.to_string()}),
        &format!(
            "GATEWAY   104 client of {rtu_addr} → TASE.2 server on {gw_addr} (VCC points, bilateral table DEMO_CC)"
        ),
    );
    within(Duration::from_secs(10), "RTU data transfer", async {
        while let Some(e) = gateway.next_event().await {
            if matches!(e, GatewayEvent::RtuUp(_)) {
                return Ok(());
            }
        }
        Err(anyhow!("the gateway stopped"))
    })
    .await??;

    // 3. The control centre: associate, check, define a data set, start RBE reports.
    let cc_target = match capture {
        Some(c) => c.client(gw_addr)?,
        None => gw_addr,
    };
    let mut cc_config = Tase2ClientConfig::new("ICC1");
    cc_config.association.local.ap_title = Some(Oid::from_encoded(&CC_AP_TITLE));
    cc_config.association.local.ae_qualifier = Some(CC_AE_QUALIFIER);
    cc_config.table_id = Some("DEMO_CC".into());
    cc_config.blocks = vec![1, 2, 4, 5];
    let mut cc = within(
        Duration::from_secs(10),
        "TASE.2 association",
        Tase2Client::connect(cc_target, cc_config),
    )
    .await?
    .context("the control centre could not associate")?;
    out.say(&json!({"event": "associated", "table": "DEMO_CC"}),
        "CONTROL   associated with the gateway: TASE2_Version, Supported_Features (blocks 1 2 4 5) and Bilateral_Table_ID DEMO_CC checked",
    );
    let points = [
        ("RTU1_BRK1_POS", ValueKind::StateQTimeTagExtended),
        ("RTU1_ISO1_POS", ValueKind::StateQTimeTagExtended),
        ("RTU1_LOAD_PU", ValueKind::RealQTimeTagExtended),
        ("RTU1_MW", ValueKind::RealQTimeTagExtended),
        ("RTU1_KV", ValueKind::RealQTimeTagExtended),
        ("RTU1_ENERGY", ValueKind::DiscreteQTimeTagExtended),
    ];
    let members: Vec<(PointName, ValueKind)> = points
        .iter()
        .map(|(n, k)| (PointName::vmd(n), *k))
        .collect();
    within(
        Duration::from_secs(10),
        "data set",
        cc.define_data_set("DEMO_DS", &members),
    )
    .await?
    .context("defining the data set")?;
    let options = TransferSetOptions {
        rbe: true,
        integrity_check: 30,
        conditions: DsConditions(DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT),
        ..TransferSetOptions::default()
    };
    let ts = within(
        Duration::from_secs(10),
        "transfer set",
        cc.start_transfer_set("DEMO_DS", options),
    )
    .await?
    .context("starting the transfer set")?;
    out.say(&json!({"event": "transfer_set", "name": ts.item, "data_set": "ICC1/DEMO_DS"}),
        &format!(
            "CONTROL   data set ICC1/DEMO_DS (6 points), transfer set {} started: report by exception, integrity 30 s",
            ts.item
        ),
    );

    // 4. Live values for a while.
    let mut summary = DemoSummary::default();
    let mut breaker = None;
    let live_until = Instant::now() + opts.live;
    while let Some(left) = live_until.checked_duration_since(Instant::now()) {
        let Ok(report) = tokio::time::timeout(left, cc.next_report()).await else {
            break;
        };
        let report = report.ok_or_else(|| anyhow!("the association closed"))?;
        summary.reports += 1;
        for (name, r) in &report.values {
            summary.values += 1;
            let text = match r {
                Reading::Value(v) => value_text(v),
                other => format!("{other:?}"),
            };
            let as_json = json!({"event": "value", "point": name.item, "value": text});
            let line = format!("REPORT    {:<14} {text}", name.item);
            match r {
                Reading::Value(v) => out.value(&name.item, v, &as_json, &line),
                _ => out.say(&as_json, &line),
            }
        }
        if let Some(s) = breaker_state(&report) {
            breaker = Some(s);
        }
    }
    if summary.values == 0 {
        bail!(
            "no value reached the control centre in {} s",
            opts.live.as_secs()
        );
    }

    // 5. Control round trip: select, operate, see the breaker's new state come back.
    let target = if breaker == Some(State::Closed) { 0 } else { 1 };
    let want = if target == 1 {
        State::Closed
    } else {
        State::Tripped
    };
    let device = PointName::vmd("RTU1_BRK1");
    let started = Instant::now();
    let check_back = within(Duration::from_secs(10), "select", cc.select(&device))
        .await?
        .context("select RTU1_BRK1")?;
    out.say(
        &json!({"event": "selected", "device": "RTU1_BRK1", "check_back_id": check_back}),
        &format!("CONTROL   select RTU1_BRK1 → CheckBackID {check_back}"),
    );
    within(
        Duration::from_secs(10),
        "operate",
        cc.operate(&device, DeviceValue::Command(target)),
    )
    .await?
    .context("operate RTU1_BRK1")?;
    out.say(
        &json!({"event": "operated", "device": "RTU1_BRK1", "value": target}),
        &format!(
            "CONTROL   operate RTU1_BRK1 = {target} ({})",
            if target == 1 { "close" } else { "open" }
        ),
    );
    let mut command_done = false;
    let mut seen = false;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(seen && command_done) {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or_else(|| anyhow!("the breaker's new state did not come back within 15 s"))?;
        tokio::select! {
            r = tokio::time::timeout(left, cc.next_report()) => {
                let Ok(Some(report)) = r else {
                    bail!("the breaker's new state did not come back within 15 s");
                };
                summary.reports += 1;
                summary.values += report.values.len() as u64;
                out.refresh(&report);
                if breaker_state(&report) == Some(want) && !seen {
                    seen = true;
                    summary.round_trip_ms = started.elapsed().as_millis();
                    out.say(&json!({"event": "round_trip", "state": state_text(want), "ms": summary.round_trip_ms}),
                        &format!("REPORT    RTU1_BRK1_POS  {} — round trip select → operate → 104 command → report: {} ms", state_text(want), summary.round_trip_ms));
                }
            }
            Some(e) = gateway.next_event() => match e {
                GatewayEvent::Operate { rtu, ioa, .. } => out.say(&json!({"event": "forwarded", "rtu": rtu, "ioa": ioa}),
                    &format!("GATEWAY   RTU1_BRK1 → {rtu}: C_SC_NA_1 select + execute at IOA {ioa}")),
                GatewayEvent::CommandDone { result: Ok(()), .. } => {
                    command_done = true;
                    out.say(&json!({"event": "command_done"}), "GATEWAY   the RTU confirmed and terminated the command");
                }
                GatewayEvent::CommandDone { result: Err(why), .. } => bail!("the RTU refused the command: {why}"),
                _ => {}
            },
        }
    }

    let stats = gateway.stats();
    summary.asdus = stats.asdus.load(Ordering::Relaxed);
    summary.commands = stats.commands_ok.load(Ordering::Relaxed);
    let _ = cc.conclude(Duration::from_secs(5)).await;
    gateway.stop().await;
    rtu.abort();
    out.say(&json!({"event": "summary", "reports": summary.reports, "values": summary.values,
                       "rtu_asdus": summary.asdus, "commands": summary.commands, "round_trip_ms": summary.round_trip_ms}),
        &format!(
            "SUMMARY   {} reports with {} values, {} ASDUs from the RTU, {} command(s), control round trip {} ms — OK",
            summary.reports, summary.values, summary.asdus, summary.commands, summary.round_trip_ms
        ),
    );
    Ok(summary)
}

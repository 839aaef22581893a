//! `telecontrol tase2 server` (a VCC with a built-in sample or a TOML file of objects,
//! points changing over time) and `telecontrol tase2 client` (associate, check, define a
//! data set, start a transfer set, print reports, operate a device, send a message).

pub mod answers;
pub mod config;
pub mod display;
pub mod tls;
pub mod values;

use crate::pcap::PcapArg;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mms_pdu::association::{Addressing, Config};
use mms_pdu::ber::Oid;
use serde_json::json;
use tase2_transfer_sets::client::{
    ClientError, PointName, Reading, Tase2Message, Tase2Report, TransferSetOptions,
};
use tase2_transfer_sets::station::{
    DeviceRequest, Domain, StationConfig, StationEvent, Tase2Station,
};
use tase2_transfer_sets::{DeviceValue, DsConditions, InfoMessHeader, ReportKind, ValueKind};
use telecontrol_tokio::mms::MmsServerConfig;
use telecontrol_tokio::tase2::{Tase2ClientConfig, Tase2Server};

use config::{ServerFile, sample_point_name, value_kind};
use values::{simulated, value_json, value_text};

/// `telecontrol tase2 ...`.
#[derive(Subcommand, Debug)]
pub enum SimTase2 {
    /// Serve a VCC (the built-in sample, or --config FILE) until Ctrl-C or --duration:
    /// points change every --tick-ms, an information message goes out every 10 ticks.
    #[command(after_help = answers::SERVER_EXAMPLES)]
    Server(ServerArgs),
    /// Associate with a TASE.2 server, check it, define a data set, start a transfer set
    /// and print every report; optionally operate a device and send a message.
    #[command(after_help = answers::CLIENT_EXAMPLES)]
    Client(ClientArgs),
}

/// `telecontrol tase2 server`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address and port to listen on (port 0: ephemeral; the address is printed first).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:102")]
    bind: SocketAddr,
    /// The objects (TOML; see the crate docs of `telecontrol::simtase2::config`); default:
    /// the built-in sample.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Period of the value changes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    tick_ms: u64,
    /// Print station events as JSON lines.
    #[arg(long)]
    json: bool,
    /// How devices answer selects and operates, unless their `[[device]]` entry says:
    /// positive (as the standard says), negative (refused with --refusal) or none (no
    /// MMS response at all: the client's request timeout fires).
    #[arg(
        long,
        value_name = "positive|negative|none",
        default_value = "positive"
    )]
    answer: String,
    /// The DataAccessError of a negative answer (ISO 9506-2 name).
    #[arg(long, value_name = "ERROR", default_value = "hardware-fault",
          value_parser = answers::parse_refusal)]
    refusal: mms_pdu::mms::DataAccessError,
    #[command(flatten)]
    tls: crate::tls::TlsArgs,
    #[command(flatten)]
    pcap: PcapArg,
}

/// `telecontrol tase2 client`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// The server.
    #[arg(value_name = "ADDR:PORT")]
    addr: String,
    /// Print reports and messages as JSON lines.
    #[arg(long)]
    json: bool,
    /// Run this many seconds, then conclude; exit 0 if every step worked and reports came.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    duration: f64,
    /// Report by exception (changed points only) instead of periodic full reports.
    #[arg(long)]
    rbe: bool,
    /// Integrity reports every S seconds (0: none).
    #[arg(long, value_name = "S", default_value_t = 0)]
    integrity: i32,
    /// Interval of periodic reports without --rbe, in seconds.
    #[arg(long, value_name = "S", default_value_t = 2)]
    interval: i32,
    /// Critical transfer set: every report is acknowledged.
    #[arg(long)]
    critical: bool,
    /// Select (when the device has `<dev>_SBO`) and operate DEVICE of our ICC with VALUE
    /// (an integer: command / discrete set-point; with a dot: real set-point).
    #[arg(long, num_args = 2, value_names = ["DEVICE", "VALUE"])]
    operate: Option<Vec<String>>,
    /// Enable information messages and send TEXT to the server.
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// Points of the data set, `NAME=TYPE` or `ICC/NAME=TYPE` (repeatable); default: the
    /// built-in sample's points.
    #[arg(long = "point", value_name = "NAME=TYPE")]
    points: Vec<String>,
    /// Our ICC domain.
    #[arg(long, value_name = "NAME", default_value = "ICC1")]
    icc: String,
    /// Expected `Bilateral_Table_ID` (default: any).
    #[arg(long, value_name = "ID")]
    table_id: Option<String>,
    /// Our AP-title (dotted).
    #[arg(long, value_name = "OID", default_value = "1.3.9999.1")]
    ap_title: String,
    /// Our AE-qualifier.
    #[arg(long, value_name = "N", default_value_t = 12)]
    ae_qualifier: i64,
    /// ACSE password.
    #[arg(long, value_name = "TEXT")]
    password: Option<String>,
    /// Seconds a request may wait for its response before the call fails.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    request_timeout: f64,
    #[command(flatten)]
    tls: crate::tls::TlsArgs,
    /// TLS: the name the server's certificate must carry (with --tls-ca); default: the
    /// host of ADDR:PORT.
    #[arg(long, value_name = "NAME", requires = "tls_cert")]
    tls_server_name: Option<String>,
    #[command(flatten)]
    pcap: PcapArg,
}

/// Whether the command shows a live table of reported points (the client without
/// `--json`, when stdout is a terminal).
#[must_use]
pub fn draws_table(cmd: &SimTase2) -> bool {
    matches!(cmd, SimTase2::Client(a) if !a.json)
}

/// Run a `telecontrol tase2` command.
#[must_use]
pub fn run(cmd: SimTase2) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("telecontrol: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cmd {
        SimTase2::Server(mut a) => {
            let (bind, _pcap) = match a.pcap.server(a.bind) {
                Ok(x) => x,
                Err(code) => return code,
            };
            a.bind = bind;
            rt.block_on(serve(a))
        }
        SimTase2::Client(mut a) => {
            let (addr, _pcap) = match a.pcap.client_host(&a.addr) {
                Ok(x) => x,
                Err(code) => return code,
            };
            a.addr = addr;
            rt.block_on(client(a))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telecontrol: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn gmt_now() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i32::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

fn event_line(e: &StationEvent, as_json: bool) -> String {
    let request = |r: &DeviceRequest| match r {
        DeviceRequest::Select => "select",
        DeviceRequest::Operate => "operate",
    };
    if !as_json {
        return display::server_event_text(e);
    }
    let j = match e {
        StationEvent::DeviceRefused {
            name,
            request: r,
            error,
            ..
        } => json!({"event": "refused", "device": name, "request": request(r),
                    "error": answers::refusal_name(*error)}),
        StationEvent::DeviceIgnored {
            name, request: r, ..
        } => {
            json!({"event": "not_answered", "device": name, "request": request(r)})
        }
        StationEvent::Operate {
            name,
            value,
            table_id,
            ..
        } => {
            json!({"event": "operate", "device": name, "value": format!("{value:?}"), "table": table_id})
        }
        StationEvent::Message { header, data, .. } => json!({
            "event": "message",
            "message_id": header.message_id,
            "text": String::from_utf8_lossy(data),
        }),
        other => json!({ "event": format!("{other:?}") }),
    };
    j.to_string()
}

async fn serve(a: ServerArgs) -> anyhow::Result<()> {
    let objects = match &a.config {
        Some(path) => ServerFile::load(path)?,
        None => ServerFile::sample(),
    };
    let station: Arc<Tase2Station> = Tase2Server::new_station(StationConfig {
        open: objects.open,
        ..StationConfig::default()
    });
    let points = objects.apply(&station)?;
    let default = answers::parse_answer(&a.answer, a.refusal).map_err(anyhow::Error::msg)?;
    answers::apply(&objects, &station, default)?;
    let mut association = Config::DEFAULT;
    if let Some(octets) = objects.send_queue {
        association.send_queue = octets;
    }
    let cfg = MmsServerConfig {
        association,
        authorize: None,
        ..MmsServerConfig::default()
    };
    let tls = tls::server_config(&a.tls, a.config.as_deref().map(|p| (p, &objects)))?;
    let mut server = tls::bind(a.bind, cfg, Arc::clone(&station), tls.as_ref()).await?;
    println!("listening on {}", server.local_addr());
    let stop = async {
        match a.duration {
            Some(s) => tokio::time::sleep(Duration::from_secs_f64(s.max(0.0))).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(Duration::from_millis(a.tick_ms.max(10)));
    let mut step: u64 = 0;
    let message_domains: Vec<Domain> = objects
        .buffer
        .iter()
        .map(|b| config::domain(&b.domain))
        .collect();
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {
                step = step.wrapping_add(1);
                let gmt = gmt_now();
                for (id, kind) in &points {
                    let _ = server.update(*id, simulated(*kind, step, gmt));
                }
                if step.is_multiple_of(10) {
                    let header = InfoMessHeader {
                        info_reference: 1,
                        local_reference: 0,
                        message_id: i32::try_from(step / 10).unwrap_or(0),
                        size: 0,
                    };
                    let text = format!("sample message {}", step / 10);
                    for d in &message_domains {
                        let _ = server.send_message(d, header, text.as_bytes());
                    }
                }
            }
            e = server.next_event() => match e {
                // A closed stdout (the reader went away) must not end the server.
                Some(e) => {
                    let _ = writeln!(std::io::stdout().lock(), "{}", event_line(&e, a.json));
                }
                None => break,
            },
        }
    }
    server.close().await;
    Ok(())
}

fn oid_bytes(dotted: &str) -> anyhow::Result<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().with_context(|| format!("AP-title {dotted:?}")))
        .collect::<anyhow::Result<_>>()?;
    let (Some(&a), Some(&b)) = (arcs.first(), arcs.get(1)) else {
        bail!("AP-title {dotted:?} needs two arcs at least");
    };
    if a > 2 || (a < 2 && b > 39) {
        bail!("AP-title {dotted:?}: bad first arcs");
    }
    let mut out = Vec::new();
    let mut put = |mut v: u64| {
        let mut tmp = Vec::new();
        tmp.push((v & 0x7F) as u8);
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        out.extend(tmp.iter().rev());
    };
    put(a * 40 + b);
    for &arc in arcs.iter().skip(2) {
        put(arc);
    }
    Ok(out)
}

/// The sample's points with their types (the client's default data set).
fn sample_points(icc: &str) -> Vec<(PointName, ValueKind)> {
    let mut v: Vec<_> = ValueKind::ALL
        .into_iter()
        .map(|k| (PointName::vmd(&sample_point_name(k)), k))
        .collect();
    v.push((PointName::icc(icc, "I_FLOW"), ValueKind::RealQTimeTag));
    v.push((PointName::icc(icc, "I_BREAKER"), ValueKind::StateQTimeTag));
    v
}

fn parse_point(s: &str) -> anyhow::Result<(PointName, ValueKind)> {
    let (name, kind) = s
        .split_once('=')
        .with_context(|| format!("--point {s:?}: NAME=TYPE expected"))?;
    let kind = value_kind(kind)?;
    let name = match name.split_once('/') {
        Some((d, n)) => PointName::icc(d, n),
        None => PointName::vmd(name),
    };
    Ok((name, kind))
}

fn report_line(r: &Tase2Report, as_json: bool) -> String {
    let kind = match r.kind {
        ReportKind::NamedList => "named-list",
        ReportKind::ListOfVariable => "rbe",
    };
    let ts = r.transfer_set.as_ref().map(ToString::to_string);
    if as_json {
        let mut values = serde_json::Map::new();
        for (n, v) in &r.values {
            values.insert(
                n.to_string(),
                match v {
                    Reading::Value(v) => value_json(v),
                    Reading::Failure(e) => json!({ "failure": format!("{e:?}") }),
                    Reading::Untyped => json!(null),
                },
            );
        }
        json!({
            "report": kind,
            "transfer_set": ts,
            "time_stamp": r.time_stamp,
            "conditions": r.conditions.map(|c| c.0),
            "critical": r.critical,
            "values": values,
        })
        .to_string()
    } else {
        let mut s = format!(
            "report {} {kind} t={} ({} values)",
            ts.unwrap_or_default(),
            r.time_stamp.unwrap_or(0),
            r.values.len()
        );
        for (n, v) in &r.values {
            let text = match v {
                Reading::Value(v) => value_text(v),
                Reading::Failure(e) => format!("{e:?}"),
                Reading::Untyped => "?".into(),
            };
            s.push_str(&format!("\n  {n} = {text}"));
        }
        s
    }
}

fn message_line(m: &Tase2Message, as_json: bool) -> String {
    let text = String::from_utf8_lossy(&m.text);
    if as_json {
        json!({ "message": text, "message_id": m.header.message_id, "domain": m.domain })
            .to_string()
    } else {
        format!("message {} ({}): {text}", m.header.message_id, m.buffer)
    }
}

fn device_value(text: &str) -> anyhow::Result<DeviceValue> {
    if text.contains('.') {
        Ok(DeviceValue::RealSetPoint(
            text.parse()
                .with_context(|| format!("operate value {text:?}"))?,
        ))
    } else {
        Ok(DeviceValue::Command(
            text.parse()
                .with_context(|| format!("operate value {text:?}"))?,
        ))
    }
}

async fn client(a: ClientArgs) -> anyhow::Result<()> {
    let oid: &'static [u8] = Box::leak(oid_bytes(&a.ap_title)?.into_boxed_slice());
    let password: Option<&'static [u8]> = a
        .password
        .as_ref()
        .map(|p| &*Box::leak(p.as_bytes().to_vec().into_boxed_slice()));
    let mut association = Config::DEFAULT;
    association.local = Addressing {
        ap_title: Some(Oid::from_encoded(oid)),
        ae_qualifier: Some(a.ae_qualifier),
        ..Addressing::DEFAULT
    };
    association.password = password;
    association.request_timeout =
        Duration::try_from_secs_f64(a.request_timeout).context("--request-timeout")?;
    let mut out = display::ClientOut::new(a.json);
    let config = Tase2ClientConfig {
        table_id: a.table_id.clone(),
        association,
        ..Tase2ClientConfig::new(&a.icc)
    };
    let mut c = tls::connect(&a.addr, config, &a.tls, a.tls_server_name.as_deref())
        .await
        .context("associate and check")?;
    let peer = *c.peer();
    let blocks: Vec<u8> = (1..=peer.features.len())
        .filter(|b| peer.features.block(*b))
        .collect();
    let hello = format!(
        "associated: TASE.2 {}-{}, blocks {blocks:?}, table {}",
        peer.version.major,
        peer.version.minor,
        peer.table_id.as_str()
    );
    let session = c.tls_session();
    tls::log_session(session.as_ref());
    out.say(
        Some(
            json!({"associated": {"version": [peer.version.major, peer.version.minor], "blocks": blocks, "table_id": peer.table_id.as_str(), "tls": tls::session_json(session.as_ref())}}),
        ),
        &hello,
    );

    let points = if a.points.is_empty() {
        sample_points(&a.icc)
    } else {
        a.points
            .iter()
            .map(|p| parse_point(p))
            .collect::<anyhow::Result<_>>()?
    };
    c.define_data_set("TC_CLIENT_DS", &points)
        .await
        .context("define data set")?;
    let conditions = if a.rbe {
        DsConditions::OBJECT_CHANGE
    } else {
        DsConditions::INTERVAL_TIMEOUT
    } | if a.integrity > 0 {
        DsConditions::INTEGRITY_TIMEOUT
    } else {
        0
    };
    let options = TransferSetOptions {
        rbe: a.rbe,
        interval: if a.rbe { 0 } else { a.interval.max(1) },
        integrity_check: a.integrity.max(0),
        critical: a.critical,
        conditions: DsConditions(conditions),
        ..TransferSetOptions::default()
    };
    let ts = c
        .start_transfer_set("TC_CLIENT_DS", options)
        .await
        .context("start transfer set")?;
    out.say(None, &format!("transfer set {ts} started"));

    if let Some(op) = &a.operate {
        let (Some(dev), Some(val)) = (op.first(), op.get(1)) else {
            bail!("--operate DEVICE VALUE");
        };
        let device = PointName::icc(&a.icc, dev);
        let value = device_value(val)?;
        match c.select(&device).await {
            Ok(id) => out.status(None, &format!("selected {device} (CheckBackID {id})")),
            // No `<dev>_SBO`: a direct-operate device.
            Err(telecontrol_tokio::tase2::Tase2ClientError::Client(ClientError::Access {
                error:
                    mms_pdu::mms::DataAccessError::ObjectNonExistent
                    | mms_pdu::mms::DataAccessError::ObjectUndefined,
                ..
            })) => {}
            Err(e) => {
                let why = answers::failure_text(&e, a.request_timeout);
                out.status(
                    Some(json!({"failed": "select", "device": device.to_string(), "reason": why})),
                    &format!("select {device} failed: {why}"),
                );
                bail!("select {device}: {why}");
            }
        }
        if let Err(e) = c.operate(&device, value).await {
            let why = answers::failure_text(&e, a.request_timeout);
            out.status(
                Some(json!({"failed": "operate", "device": device.to_string(), "reason": why})),
                &format!("operate {device} failed: {why}"),
            );
            bail!("operate {device}: {why}");
        }
        out.status(
            Some(json!({"operated": device.to_string(), "value": val})),
            &format!("operated {device} with {value:?}"),
        );
    }
    if let Some(text) = &a.message {
        c.enable_messages(true).await.context("enable messages")?;
        let header = InfoMessHeader {
            info_reference: 1,
            local_reference: 0,
            message_id: 1,
            size: 0,
        };
        c.send_message(true, header, text.as_bytes())
            .context("send message")?;
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(a.duration.max(0.0));
    let mut reports: u64 = 0;
    loop {
        let event = tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            e = c.next_event() => e,
        };
        match event {
            Some(telecontrol_tokio::tase2::Tase2ClientEvent::Report(r)) => {
                reports += 1;
                out.report(&r);
            }
            Some(telecontrol_tokio::tase2::Tase2ClientEvent::Message(m)) => out.message(&m),
            Some(telecontrol_tokio::tase2::Tase2ClientEvent::Closed(r)) => {
                bail!("association closed: {r:?}")
            }
            Some(_) => {}
            None => bail!("association ended"),
        }
    }
    let _ = c.stop_transfer_set(&ts).await;
    let acknowledged = c.acknowledged();
    c.conclude(Duration::from_secs(5))
        .await
        .context("conclude")?;
    out.say(
        None,
        &format!("{reports} reports ({acknowledged} acknowledged)"),
    );
    if reports == 0 {
        bail!("no report within {} s", a.duration);
    }
    Ok(())
}

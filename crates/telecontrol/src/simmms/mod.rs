//! `telecontrol mms server` (a sample object directory over MMS, with periodic
//! InformationReports) and `telecontrol mms client` (a small MMS browser).

pub mod directory;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::pcap::PcapArg;
use clap::{Args, Subcommand};
use mms_pdu::association::Config;
use mms_pdu::ber::BitString;
use mms_pdu::mms::{
    AccessResult, ConfirmedServiceResponse, Data, FloatingPoint, Identifier, InformationReport,
    ObjectClass, ObjectName, ObjectScope, SeqOf, TypeDescription, TypeSpecification,
    UnconfirmedService, VariableAccessSpecification, WriteResult,
};
use telecontrol_tokio::mms::{MmsClient, MmsServer, MmsServerConfig};

use directory::{DATASET, DOMAIN, SampleDirectory, parse_name};

/// `telecontrol mms ...`.
#[derive(Subcommand, Debug)]
pub enum SimMms {
    /// Serve the sample object directory until Ctrl-C (or --duration); report `SAMPLE/DS1`
    /// to associated clients every --report-ms.
    Server(ServerArgs),
    /// Associate with an MMS server and browse it.
    Client(ClientArgs),
}

/// `telecontrol mms server`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address and port to listen on (port 0: ephemeral; the address is printed at start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:102")]
    bind: SocketAddr,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Period of the value changes and InformationReports, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    report_ms: u64,
    #[command(flatten)]
    pcap: PcapArg,
}

/// `telecontrol mms client`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// The server.
    #[arg(value_name = "ADDR:PORT")]
    addr: String,
    /// `identify`, `list`, `read NAME`, `write NAME VALUE`, `watch S` (print
    /// InformationReports for S seconds). NAME is `domain/item` or `item` (VMD scope).
    #[arg(default_value = "list", num_args = 0.., allow_hyphen_values = true)]
    action: Vec<String>,
    #[command(flatten)]
    pcap: PcapArg,
}

/// Run a `telecontrol mms` command.
#[must_use]
pub fn run(cmd: SimMms) -> ExitCode {
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
        SimMms::Server(mut a) => {
            let (bind, _pcap) = match a.pcap.server(a.bind) {
                Ok(x) => x,
                Err(code) => return code,
            };
            a.bind = bind;
            rt.block_on(serve(a))
        }
        SimMms::Client(mut a) => {
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
            eprintln!("telecontrol: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(a: ServerArgs) -> anyhow::Result<()> {
    let dir = Arc::new(SampleDirectory::default());
    let cfg = MmsServerConfig {
        association: Config::DEFAULT,
        authorize: None,
        ..MmsServerConfig::default()
    };
    let server = MmsServer::bind(a.bind, cfg, dir.clone()).await?;
    println!("listening on {}", server.local_addr());
    let period = Duration::from_millis(a.report_ms.max(10));
    let stop = async {
        match a.duration {
            Some(s) => tokio::time::sleep(Duration::from_secs_f64(s.max(0.0))).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(period);
    let mut step: u64 = 0;
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {
                step = step.wrapping_add(1);
                dir.tick(step);
                report(&server, &dir);
            }
        }
    }
    server.shutdown();
    Ok(())
}

/// Send the values of `SAMPLE/DS1` as an InformationReport to every association.
fn report(server: &MmsServer, dir: &SampleDirectory) {
    use mms_pdu::server::Directory;
    let Some(list) = ObjectName::domain(DOMAIN, DATASET) else {
        return;
    };
    let mut members: Vec<String> = Vec::new();
    if dir
        .list_members(0, &list, &mut |m| members.push(directory::key(m)))
        .is_err()
    {
        return;
    }
    let mut encoded: Vec<Vec<u8>> = Vec::new();
    for m in &members {
        let mut buf = vec![0u8; 256];
        let Some(name) = parse_name(m) else { continue };
        let mut w = telecontrol_core::Writer::new(&mut buf);
        if dir.read(0, &name, &mut w).is_ok() {
            let n = w.position();
            buf.truncate(n);
            encoded.push(buf);
        }
    }
    let results: Vec<AccessResult<'_>> = encoded
        .iter()
        .filter_map(|b| {
            use mms_pdu::mms::Element;
            let tlv = mms_pdu::ber::BerReader::new(b).read_tlv().ok()?;
            Data::decode_element(&tlv, true)
                .ok()
                .map(AccessResult::Success)
        })
        .collect();
    let ir = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(list),
        results: SeqOf::from_slice(&results),
    });
    server.report(ir);
}

/// Format a value for printing.
#[must_use]
pub fn show(d: &Data<'_>) -> String {
    match d {
        Data::Boolean(b) => b.to_string(),
        Data::Integer(v) | Data::Bcd(v) => v.to_string(),
        Data::Unsigned(v) => v.to_string(),
        Data::FloatingPoint(f) => f.to_f64().to_string(),
        Data::VisibleString(s) | Data::MmsString(s) => format!("{:?}", String::from_utf8_lossy(s)),
        Data::BitString(b) | Data::BooleanArray(b) => {
            let mut s = String::from("b'");
            for i in 0..b.len() {
                s.push(if b.bit(i) { '1' } else { '0' });
            }
            s.push('\'');
            s
        }
        Data::Structure(fields) | Data::Array(fields) => {
            let open = if matches!(d, Data::Structure(_)) {
                "{"
            } else {
                "["
            };
            let mut s = String::from(open);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&show(&f));
            }
            s.push_str(if open == "{" { "}" } else { "]" });
            s
        }
        other => format!("{other:?}"),
    }
}

fn show_result(r: &AccessResult<'_>) -> String {
    match r {
        AccessResult::Success(d) => show(d),
        AccessResult::Failure(e) => format!("failure {e:?}"),
    }
}

fn name_arg(s: &str) -> anyhow::Result<ObjectName<'_>> {
    parse_name(s).ok_or_else(|| anyhow::anyhow!("bad name {s:?}: expected domain/item or item"))
}

async fn client(a: ClientArgs) -> anyhow::Result<()> {
    let mut cfg = Config::DEFAULT;
    cfg.connect_timeout = Duration::from_secs(5);
    cfg.request_timeout = Duration::from_secs(5);
    let mut c = MmsClient::connect(a.addr.as_str(), cfg).await?;
    let words: Vec<&str> = a.action.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["identify"] => {
            let (v, m, r) = c.identify().await?;
            println!("vendor {v:?} model {m:?} revision {r:?}");
            Ok(())
        }
        ["list"] | [] => list(&c).await,
        ["read", name] => {
            let n = name_arg(name)?;
            let r = c.read(&[n]).await?;
            let Some(ConfirmedServiceResponse::Read(r)) = r.service() else {
                anyhow::bail!("unexpected answer")
            };
            for res in r.results.iter() {
                println!("{name} = {}", show_result(&res));
            }
            Ok(())
        }
        ["write", name, value] => write(&c, name, value).await,
        ["watch", secs] => {
            let secs: f64 = secs.parse()?;
            let until = tokio::time::Instant::now() + Duration::from_secs_f64(secs.max(0.0));
            while let Ok(Some(ev)) = tokio::time::timeout_at(until, c.next_event()).await {
                if let telecontrol_tokio::mms::MmsEvent::Unconfirmed(pdu) = ev {
                    use telecontrol_core::Decode;
                    if let Ok(mms_pdu::mms::MmsPdu::Unconfirmed(
                        UnconfirmedService::InformationReport(ir),
                    )) = mms_pdu::mms::MmsPdu::decode(&pdu)
                    {
                        let values: Vec<String> =
                            ir.results.iter().map(|r| show_result(&r)).collect();
                        println!("report {}", values.join(" "));
                    }
                }
            }
            Ok(())
        }
        _ => Err(anyhow::anyhow!(
            "expected identify | list | read NAME | write NAME VALUE | watch S"
        )),
    };
    let _ = c.conclude(Duration::from_secs(3)).await;
    result
}

async fn list(c: &MmsClient) -> anyhow::Result<()> {
    let mut out = String::new();
    for v in c
        .get_name_list(ObjectClass::NamedVariable, ObjectScope::Vmd)
        .await?
    {
        let _ = writeln!(out, "variable {v}");
    }
    for d in c
        .get_name_list(ObjectClass::Domain, ObjectScope::Vmd)
        .await?
    {
        let _ = writeln!(out, "domain {d}");
        let Some(id) = Identifier::new(&d) else {
            continue;
        };
        for v in c
            .get_name_list(ObjectClass::NamedVariable, ObjectScope::Domain(id))
            .await?
        {
            let _ = writeln!(out, "variable {d}/{v}");
        }
        for l in c
            .get_name_list(ObjectClass::NamedVariableList, ObjectScope::Domain(id))
            .await?
        {
            let _ = writeln!(out, "list {d}/{l}");
        }
    }
    print!("{out}");
    Ok(())
}

async fn write(c: &MmsClient, name: &str, value: &str) -> anyhow::Result<()> {
    let n = name_arg(name)?;
    let r = c.variable_type(n).await?;
    let Some(ConfirmedServiceResponse::GetVariableAccessAttributes(attrs)) = r.service() else {
        anyhow::bail!("unexpected answer")
    };
    let TypeSpecification::Description(t) = attrs.type_specification else {
        anyhow::bail!("{name}: a named type, not supported")
    };
    let bits: Vec<u8>;
    let data = match t {
        TypeDescription::Boolean => Data::Boolean(match value {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => anyhow::bail!("{value:?}: expected true or false"),
        }),
        TypeDescription::Integer(_) => Data::Integer(value.parse()?),
        TypeDescription::Unsigned(_) => Data::Unsigned(value.parse()?),
        TypeDescription::FloatingPoint {
            format_width: 64, ..
        } => Data::FloatingPoint(FloatingPoint::Double(value.parse()?)),
        TypeDescription::FloatingPoint { .. } => {
            Data::FloatingPoint(FloatingPoint::Single(value.parse()?))
        }
        TypeDescription::VisibleString(_) => Data::VisibleString(value.as_bytes()),
        TypeDescription::MmsString(_) => Data::MmsString(value.as_bytes()),
        TypeDescription::BitString(_) => {
            let digits = value.trim_start_matches("b'").trim_end_matches('\'');
            if digits.is_empty() || !digits.chars().all(|ch| ch == '0' || ch == '1') {
                anyhow::bail!("{value:?}: expected binary digits");
            }
            let mut bytes = vec![0u8; digits.len().div_ceil(8)];
            for (i, ch) in digits.chars().enumerate() {
                if ch == '1'
                    && let Some(b) = bytes.get_mut(i / 8)
                {
                    *b |= 0x80 >> (i % 8);
                }
            }
            bits = bytes;
            let unused = u8::try_from((8 - digits.len() % 8) % 8).unwrap_or(0);
            Data::BitString(
                BitString::new(&bits, unused).ok_or_else(|| anyhow::anyhow!("bad bit string"))?,
            )
        }
        other => anyhow::bail!("{name}: writing {other:?} is not supported by this client"),
    };
    let results = c.write(&[n], &[data]).await?;
    match results.first() {
        Some(WriteResult::Success) => {
            println!("{name} written");
            Ok(())
        }
        Some(WriteResult::Failure(e)) => Err(anyhow::anyhow!("{name}: write failed: {e:?}")),
        None => Err(anyhow::anyhow!("{name}: no write result")),
    }
}

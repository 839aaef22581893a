//! The server's objects as plain data: the built-in sample and the TOML file of
//! `telecontrol tase2 server --config FILE` share this form and the one function that
//! registers it in a station ([`ServerFile::apply`]).
//!
//! ```toml
//! send_queue = 1048576      # octets of reports held per association for a peer that
//!                           # reads slowly (default 1 MiB, docs/security.md)
//!
//! [[point]]
//! domain = "VCC"            # or an ICC domain
//! name = "V_RealQ"
//! kind = "RealQ"            # the -802 type without `Data_`
//!
//! [[device]]
//! domain = "ICC1"
//! name = "BRK_1"
//! kind = "command"          # command | discrete | real
//! select_timeout_s = 30     # absent: direct operate
//! tagged = true
//! check_back_id = 1
//! answer = "positive"      # positive | negative | none (default: --answer)
//! refusal = "hardware-fault"  # the DataAccessError of a negative answer
//!
//! [[data_set]]
//! domain = "VCC"
//! name = "VCC_DS"
//! members = ["V_RealQ", "ICC1/Transfer_Set_Name"]   # `domain/name` or a VCC name
//!
//! [[buffer]]
//! domain = "VCC"
//! size = 256
//!
//! [[table]]
//! icc = "ICC1"
//! id = "SAMPLE_TABLE_V1"
//! ap_title = "1.3.9999.1"
//! ae_qualifier = 12
//! vcc_default = ["read"]
//! icc_default = ["read"]
//! objects = [{ name = "ICC1/BRK_1", rights = ["operate", "get-tag", "set-tag"] }]
//!
//! [tls]                     # optional: secure ICCP (TLS), as `104 server`'s [tls]
//! cert = "server.pem"
//! key = "server.key"
//! ca = "ca.pem"
//! ```

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DeviceKind, ValueKind};

/// A station's objects.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Accept peers no table names (VCC read access only).
    #[serde(default)]
    pub open: bool,
    /// Octets of reports each association may hold for a slow reader beyond its transmit
    /// queue (`association::Config::send_queue`); absent: 1 MiB.
    pub send_queue: Option<usize>,
    /// Indication points.
    #[serde(default)]
    pub point: Vec<PointEntry>,
    /// Devices.
    #[serde(default)]
    pub device: Vec<DeviceEntry>,
    /// Server-defined data sets.
    #[serde(default)]
    pub data_set: Vec<DataSetEntry>,
    /// Information message buffers.
    #[serde(default)]
    pub buffer: Vec<BufferEntry>,
    /// Bilateral tables.
    #[serde(default)]
    pub table: Vec<TableEntry>,
    /// TLS (secure ICCP, IEC 62351-4 / -3): the `[tls]` table of `104 server` configs (see
    /// [`crate::tls`]); `--tls-*` options win over it.
    #[serde(default)]
    pub tls: Option<crate::tls::RawTls>,
}

/// `[[point]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointEntry {
    /// `VCC` or an ICC domain.
    pub domain: String,
    /// Variable name.
    pub name: String,
    /// -802 type (`RealQ`, `StateQTimeTagExtended`, ...).
    pub kind: String,
}

/// `[[device]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// `VCC` or an ICC domain.
    pub domain: String,
    /// Device name.
    pub name: String,
    /// `command`, `discrete` or `real`.
    pub kind: String,
    /// Select before operate with this timeout; absent: direct operate.
    pub select_timeout_s: Option<f64>,
    /// Has a `<dev>_TAG`.
    #[serde(default)]
    pub tagged: bool,
    /// CheckBackID answered on select.
    #[serde(default)]
    pub check_back_id: i16,
    /// How selects and operates are answered: `positive`, `negative` or `none` (absent:
    /// the server's `--answer`; see [`super::answers`]).
    pub answer: Option<String>,
    /// The `DataAccessError` of a negative answer (`hardware-fault`, ...; absent: the
    /// server's `--refusal`). Given without `answer`, the device answers negatively.
    pub refusal: Option<String>,
}

/// `[[data_set]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSetEntry {
    /// `VCC` or an ICC domain.
    pub domain: String,
    /// List name.
    pub name: String,
    /// Members, `domain/name` or a VCC name.
    pub members: Vec<String>,
}

/// `[[buffer]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BufferEntry {
    /// `VCC` or an ICC domain.
    pub domain: String,
    /// Octets.
    pub size: u32,
}

/// `[[table]]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    /// The ICC domain.
    pub icc: String,
    /// `Bilateral_Table_ID`.
    pub id: String,
    /// The peer's AP-title, dotted (absent: the table of an open station's anonymous peers).
    pub ap_title: Option<String>,
    /// The peer's AE-qualifier, when checked.
    pub ae_qualifier: Option<i64>,
    /// The peer's ACSE password, when required.
    pub password: Option<String>,
    /// Rights on VCC objects not listed.
    #[serde(default)]
    pub vcc_default: Vec<String>,
    /// Rights on ICC objects not listed.
    #[serde(default)]
    pub icc_default: Vec<String>,
    /// Listed objects.
    #[serde(default)]
    pub objects: Vec<ObjectEntry>,
}

/// An object of a table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ObjectEntry {
    /// `domain/name` or a VCC name.
    pub name: String,
    /// `read`, `write`, `operate`, `get-tag`, `set-tag`.
    pub rights: Vec<String>,
}

/// `VCC` or an ICC domain name.
#[must_use]
pub fn domain(s: &str) -> Domain {
    if s.eq_ignore_ascii_case("vcc") {
        Domain::Vcc
    } else {
        Domain::icc(s)
    }
}

/// `domain/name` or a VCC name.
#[must_use]
pub fn qualified(s: &str) -> (Domain, String) {
    match s.split_once('/') {
        Some((d, n)) => (domain(d), n.to_owned()),
        None => (Domain::Vcc, s.to_owned()),
    }
}

/// An -802 type by name, with or without `Data_`.
///
/// # Errors
/// An unknown name.
pub fn value_kind(s: &str) -> anyhow::Result<ValueKind> {
    let bare = s.strip_prefix("Data_").unwrap_or(s);
    ValueKind::ALL
        .into_iter()
        .find(|k| k.name().strip_prefix("Data_") == Some(bare))
        .with_context(|| format!("unknown data value type {s:?}"))
}

fn rights(list: &[String]) -> anyhow::Result<AccessRights> {
    list.iter().try_fold(AccessRights::NONE, |a, r| {
        Ok(a.union(match r.as_str() {
            "read" => AccessRights::READ,
            "write" => AccessRights::WRITE,
            "operate" => AccessRights::OPERATE,
            "get-tag" => AccessRights::GET_TAG,
            "set-tag" => AccessRights::SET_TAG,
            other => bail!("unknown right {other:?}"),
        }))
    })
}

fn arcs(dotted: &str) -> anyhow::Result<Vec<u64>> {
    dotted
        .split('.')
        .map(|a| a.parse().with_context(|| format!("AP-title {dotted:?}")))
        .collect()
}

impl ServerFile {
    /// Read a TOML file.
    ///
    /// # Errors
    /// Unreadable file or invalid TOML / schema.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Register every object in `station`; the points with their kinds, for the simulation.
    ///
    /// # Errors
    /// An unknown type or right, or the station's refusal (duplicate or bad name, member
    /// that does not exist).
    pub fn apply(
        &self,
        station: &Tase2Station,
    ) -> anyhow::Result<Vec<(tase2_transfer_sets::station::PointId, ValueKind)>> {
        let mut points = Vec::new();
        for p in &self.point {
            let kind = value_kind(&p.kind)?;
            let id = station
                .add_point(PointConfig {
                    domain: domain(&p.domain),
                    name: p.name.clone(),
                    kind,
                    initial: None,
                })
                .with_context(|| format!("point {}", p.name))?;
            points.push((id, kind));
        }
        for d in &self.device {
            let kind = match d.kind.as_str() {
                "command" => DeviceKind::Command,
                "discrete" => DeviceKind::DiscreteSetPoint,
                "real" => DeviceKind::RealSetPoint,
                other => bail!("device {}: unknown kind {other:?}", d.name),
            };
            let mode = match d.select_timeout_s {
                Some(s) => ControlMode::SelectBeforeOperate {
                    select_timeout: Duration::try_from_secs_f64(s)
                        .with_context(|| format!("device {}: select_timeout_s", d.name))?,
                },
                None => ControlMode::Direct,
            };
            station
                .add_device(DeviceConfig {
                    domain: domain(&d.domain),
                    name: d.name.clone(),
                    kind,
                    mode,
                    tagged: d.tagged,
                    check_back_id: d.check_back_id,
                })
                .with_context(|| format!("device {}", d.name))?;
        }
        for b in &self.buffer {
            station
                .add_message_buffer(MessageBufferConfig {
                    domain: domain(&b.domain),
                    size: b.size,
                })
                .with_context(|| format!("buffer {} in {}", b.size, b.domain))?;
        }
        for t in &self.table {
            let peer = match &t.ap_title {
                Some(a) => Some(PeerConfig {
                    ap_title: arcs(a)?,
                    ae_qualifier: t.ae_qualifier,
                    password: t.password.as_ref().map(|p| p.as_bytes().to_vec()),
                }),
                None => None,
            };
            let objects = t
                .objects
                .iter()
                .map(|o| {
                    let (d, n) = qualified(&o.name);
                    Ok((d, n, rights(&o.rights)?))
                })
                .collect::<anyhow::Result<_>>()?;
            station
                .add_bilateral_table(BilateralTableConfig {
                    peer,
                    icc_domain: t.icc.clone(),
                    table_id: t.id.clone(),
                    objects,
                    vcc_default: rights(&t.vcc_default)?,
                    icc_default: rights(&t.icc_default)?,
                })
                .with_context(|| format!("table {}", t.id))?;
        }
        for s in &self.data_set {
            station
                .add_data_set(DataSetConfig {
                    domain: domain(&s.domain),
                    name: s.name.clone(),
                    members: s.members.iter().map(|m| qualified(m)).collect(),
                })
                .with_context(|| format!("data set {}", s.name))?;
        }
        Ok(points)
    }

    /// The built-in sample: a VCC point of every -802 type (`V_<type>`), ICC1 points
    /// `I_FLOW` (RealQTimeTag) and `I_BREAKER` (StateQTimeTag); a VCC data set `VCC_DS`
    /// and an ICC data set `ICC1/ICC1_DS`; devices in ICC1: `BRK_1` (command, select
    /// before operate, tagged), `SP_REAL` (real set-point, select before operate),
    /// `SP_DISC` (discrete set-point, direct); message buffers of 256 octets in the VCC and
    /// ICC1; the bilateral table `SAMPLE_TABLE_V1` for AP-title 1.3.9999.1, AE-qualifier
    /// 12 (the client's default identity), with read access to every point and the
    /// buffers, and operate and tag rights on the devices.
    #[must_use]
    pub fn sample() -> Self {
        let icc = "ICC1";
        let mut point: Vec<PointEntry> = ValueKind::ALL
            .into_iter()
            .map(|k| PointEntry {
                domain: "VCC".into(),
                name: sample_point_name(k),
                kind: k.name().trim_start_matches("Data_").into(),
            })
            .collect();
        for (n, k) in [("I_FLOW", "RealQTimeTag"), ("I_BREAKER", "StateQTimeTag")] {
            point.push(PointEntry {
                domain: icc.into(),
                name: n.into(),
                kind: k.into(),
            });
        }
        let device = vec![
            DeviceEntry {
                domain: icc.into(),
                name: "BRK_1".into(),
                kind: "command".into(),
                select_timeout_s: Some(30.0),
                tagged: true,
                check_back_id: 1,
                answer: None,
                refusal: None,
            },
            DeviceEntry {
                domain: icc.into(),
                name: "SP_REAL".into(),
                kind: "real".into(),
                select_timeout_s: Some(30.0),
                tagged: false,
                check_back_id: 2,
                answer: None,
                refusal: None,
            },
            DeviceEntry {
                domain: icc.into(),
                name: "SP_DISC".into(),
                kind: "discrete".into(),
                select_timeout_s: None,
                tagged: false,
                check_back_id: 0,
                answer: None,
                refusal: None,
            },
        ];
        let data_set = vec![
            DataSetEntry {
                domain: "VCC".into(),
                name: "VCC_DS".into(),
                members: ["V_RealQ", "V_StateQ", "V_DiscreteQ"]
                    .map(String::from)
                    .to_vec(),
            },
            DataSetEntry {
                domain: icc.into(),
                name: "ICC1_DS".into(),
                members: [
                    "ICC1/Transfer_Set_Name",
                    "ICC1/DSConditions_Detected",
                    "ICC1/I_FLOW",
                    "ICC1/I_BREAKER",
                ]
                .map(String::from)
                .to_vec(),
            },
        ];
        let buffer = vec![
            BufferEntry {
                domain: "VCC".into(),
                size: 256,
            },
            BufferEntry {
                domain: icc.into(),
                size: 256,
            },
        ];
        let operate = |n: &str, tags: bool| ObjectEntry {
            name: format!("{icc}/{n}"),
            rights: if tags {
                vec!["operate".into(), "get-tag".into(), "set-tag".into()]
            } else {
                vec!["operate".into()]
            },
        };
        let table = vec![TableEntry {
            icc: icc.into(),
            id: "SAMPLE_TABLE_V1".into(),
            ap_title: Some("1.3.9999.1".into()),
            ae_qualifier: Some(12),
            password: None,
            vcc_default: vec!["read".into()],
            icc_default: vec!["read".into()],
            objects: vec![
                operate("BRK_1", true),
                operate("SP_DISC", false),
                operate("SP_REAL", false),
            ],
        }];
        ServerFile {
            open: false,
            send_queue: None,
            point,
            device,
            data_set,
            buffer,
            table,
            tls: None,
        }
    }
}

/// The sample's VCC point of type `kind`: `V_RealQ`, `V_StateQTimeTagExtended`, ...
#[must_use]
pub fn sample_point_name(kind: ValueKind) -> String {
    format!("V_{}", kind.name().trim_start_matches("Data_"))
}

//! The gateway's logic without a runtime: a [`Tase2Station`] built from a
//! [`GatewayConfig`], 60870-5 ASDUs turned into point updates, and TASE.2 device operations
//! turned into routed 60870-5 commands.

use super::config::GatewayConfig;
use super::map::{CommandKind, CommandMapError, PointKind, command_value, point_value};
use asdu::{AsduView, Value as AsduValue};
use std::collections::HashMap;
use std::sync::Arc;
use tase2_transfer_sets::station::{
    BilateralTableConfig, ControlMode, DataSetConfig, DeviceConfig, Domain, MessageBufferConfig,
    PeerConfig, PointConfig, PointId, StationConfig, StationError, Tase2Station,
};
use tase2_transfer_sets::{AccessRights, DeviceValue, Value};

/// The VCC data set of every VCC point the gateway publishes.
pub const VCC_DATA_SET: &str = "GATEWAY_POINTS";
/// Octets of the information message buffers (one per ICC and one in VCC scope).
pub const MESSAGE_BUFFER: u32 = 256;

/// Where a TASE.2 device's operations go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRoute {
    /// Index of the RTU in the configuration.
    pub rtu: usize,
    /// Its common address.
    pub ca: u16,
    /// The command's information object address.
    pub ioa: u32,
    /// The 60870-5 command.
    pub command: CommandKind,
    /// Select-then-execute at the RTU.
    pub select: bool,
    /// The device's ICC domain (`None`: VCC).
    pub icc: Option<String>,
}

/// Why an operation is not forwarded.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteError {
    /// No configured device of that name.
    UnknownDevice(String),
    /// The value does not map onto the device's command.
    Map(CommandMapError),
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteError::UnknownDevice(d) => write!(f, "no gateway device {d:?}"),
            RouteError::Map(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RouteError {}

/// The station and the routing tables.
#[derive(Debug)]
pub struct Bridge {
    station: Arc<Tase2Station>,
    points: HashMap<(usize, u16, u32), (PointId, PointKind, String)>,
    devices: HashMap<String, DeviceRoute>,
    year_base: u16,
}

fn domain(icc: Option<&String>) -> Domain {
    icc.map_or(Domain::Vcc, |i| Domain::icc(i))
}

impl Bridge {
    /// Build the station for `config` (made by `make`, e.g. a runtime adapter's
    /// `Tase2Server::new_station`): every RTU point and device, a VCC data set of the VCC
    /// points, message buffers, and one bilateral table per peer (read on every point; with
    /// `operate`, operate and tags on every device; read and write in its own ICC domain for
    /// data sets and transfer sets). Without peers the station is open.
    ///
    /// # Errors
    /// The station's refusal of a name (the configuration was validated, so this means a
    /// name clash with the station's own objects).
    pub fn build(
        config: &GatewayConfig,
        mut station_config: StationConfig,
        make: impl FnOnce(StationConfig) -> Arc<Tase2Station>,
    ) -> Result<Bridge, StationError> {
        station_config.open = config.tase2.peers.is_empty();
        station_config.transfer_sets_per_icc = config.tase2.transfer_sets;
        let station = make(station_config);
        let mut iccs: Vec<String> = config.tase2.peers.iter().map(|p| p.icc.clone()).collect();
        if iccs.is_empty() {
            iccs.push(config.tase2.open_icc.clone());
        }
        let device_rights = AccessRights::READ
            .union(AccessRights::OPERATE)
            .union(AccessRights::GET_TAG)
            .union(AccessRights::SET_TAG);
        let own = AccessRights::READ.union(AccessRights::WRITE);
        let mut tables: Vec<BilateralTableConfig> = Vec::new();
        if config.tase2.peers.is_empty() {
            tables.push(BilateralTableConfig {
                peer: None,
                icc_domain: config.tase2.open_icc.clone(),
                table_id: "OPEN".into(),
                objects: Vec::new(),
                vcc_default: AccessRights::READ,
                icc_default: own,
            });
        }
        for p in &config.tase2.peers {
            tables.push(BilateralTableConfig {
                peer: Some(PeerConfig {
                    ap_title: p.ap_title.clone(),
                    ae_qualifier: p.ae_qualifier,
                    password: None,
                }),
                icc_domain: p.icc.clone(),
                table_id: p.table_id.clone(),
                objects: Vec::new(),
                vcc_default: AccessRights::READ,
                icc_default: own,
            });
        }
        let operators: Vec<bool> = if config.tase2.peers.is_empty() {
            vec![true]
        } else {
            config.tase2.peers.iter().map(|p| p.operate).collect()
        };
        let mut points = HashMap::new();
        let mut devices = HashMap::new();
        let mut vcc_points = Vec::new();
        for (r, rtu) in config.rtus.iter().enumerate() {
            for p in &rtu.points {
                let d = domain(p.icc.as_ref());
                let id = station.add_point(PointConfig {
                    domain: d.clone(),
                    name: p.name.clone(),
                    kind: p.kind.value_kind(),
                    initial: None,
                })?;
                if d == Domain::Vcc {
                    vcc_points.push((Domain::Vcc, p.name.clone()));
                }
                points.insert((r, rtu.ca, p.ioa), (id, p.kind, p.name.clone()));
            }
            for dev in &rtu.devices {
                let d = domain(dev.icc.as_ref());
                station.add_device(DeviceConfig {
                    domain: d.clone(),
                    name: dev.name.clone(),
                    kind: dev.command.device_kind(),
                    mode: if dev.sbo {
                        ControlMode::SelectBeforeOperate {
                            select_timeout: dev.select_timeout,
                        }
                    } else {
                        ControlMode::Direct
                    },
                    tagged: true,
                    check_back_id: i16::try_from(dev.ioa % 32_768).unwrap_or(0),
                })?;
                for (table, operate) in tables.iter_mut().zip(&operators) {
                    let visible = dev.icc.as_ref().is_none_or(|i| *i == table.icc_domain);
                    if *operate && visible {
                        table
                            .objects
                            .push((d.clone(), dev.name.clone(), device_rights));
                    }
                }
                devices.insert(
                    dev.name.clone(),
                    DeviceRoute {
                        rtu: r,
                        ca: rtu.ca,
                        ioa: dev.ioa,
                        command: dev.command,
                        select: dev.rtu_select,
                        icc: dev.icc.clone(),
                    },
                );
            }
        }
        if !vcc_points.is_empty() {
            station.add_data_set(DataSetConfig {
                domain: Domain::Vcc,
                name: VCC_DATA_SET.into(),
                members: vcc_points,
            })?;
        }
        station.add_message_buffer(MessageBufferConfig {
            domain: Domain::Vcc,
            size: MESSAGE_BUFFER,
        })?;
        for icc in &iccs {
            station.add_message_buffer(MessageBufferConfig {
                domain: Domain::icc(icc),
                size: MESSAGE_BUFFER,
            })?;
        }
        for t in tables {
            station.add_bilateral_table(t)?;
        }
        Ok(Bridge {
            station,
            points,
            devices,
            year_base: config.year_base,
        })
    }

    /// The station (the TASE.2 server serves it).
    #[must_use]
    pub fn station(&self) -> &Arc<Tase2Station> {
        &self.station
    }

    /// Apply the monitored objects of one ASDU from RTU `rtu` received at
    /// `received_unix_millis`: returns the TASE.2 points updated, with their new values.
    /// Objects of unmapped addresses or of types that do not fit the point are ignored.
    pub fn on_asdu(
        &self,
        rtu: usize,
        view: &AsduView<'_>,
        received_unix_millis: u64,
    ) -> Vec<(&str, Value)> {
        let ca = view.ca().0;
        let mut updated = Vec::new();
        for o in view.objects() {
            let Some((id, kind, name)) = self.points.get(&(rtu, ca, o.ioa.value())) else {
                continue;
            };
            let Some(v) = point_value(&o.value, *kind, received_unix_millis, self.year_base) else {
                continue;
            };
            if self.station.update(*id, v).is_ok() {
                updated.push((name.as_str(), v));
            }
        }
        updated
    }

    /// Where an operation of device `name` with `value` goes, and the 60870-5 command value.
    ///
    /// # Errors
    /// [`RouteError`] for an unknown device or a value the command cannot carry.
    pub fn route(
        &self,
        name: &str,
        value: DeviceValue,
    ) -> Result<(DeviceRoute, AsduValue<'static>), RouteError> {
        let route = self
            .devices
            .get(name)
            .ok_or_else(|| RouteError::UnknownDevice(name.to_owned()))?;
        let v = command_value(route.command, value).map_err(RouteError::Map)?;
        Ok((route.clone(), v))
    }

    /// The configured devices' names.
    pub fn device_names(&self) -> impl Iterator<Item = &str> {
        self.devices.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests;

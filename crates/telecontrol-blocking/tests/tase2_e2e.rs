//! The shared TASE.2 end-to-end scenarios (crates/testkit/src/e2e_tase2.rs): the blocking
//! `Tase2Client` against the blocking `Tase2Server` on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../../testkit/src/e2e_tase2.rs"]
mod e2e_tase2;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use e2e_tase2::{ClientSetup, Fail, R, Tase2Runtime};
use tase2_transfer_sets::client::{
    self as core, ClientError, DeviceTag, PeerCheck, PointName, Tase2Message, Tase2Report,
    TransferSetOptions,
};
use tase2_transfer_sets::station::{
    Domain, PointId, StationConfig, StationError, StationEvent, Tase2Station,
};
use tase2_transfer_sets::{
    ComponentValue, DeviceValue, DsTransferSetComponent, InfoMessHeader, TagState, Value, ValueKind,
};
use telecontrol_blocking::mms::mms_pdu::mms::{ObjectClass, ObjectScope};
use telecontrol_blocking::mms::{MmsServerConfig, mms_pdu};
use telecontrol_blocking::tase2::{
    Tase2Client, Tase2ClientConfig, Tase2ClientError, Tase2Server, tase2_transfer_sets,
};

struct Threads;

fn fail(e: Tase2ClientError) -> Fail {
    match e {
        Tase2ClientError::Client(c) => Fail::Client(c),
        other => Fail::Mms(format!("{other:?}")),
    }
}

impl Tase2Runtime for Threads {
    type Server = Tase2Server;
    type Client = Tase2Client;

    fn new_station(&self, config: StationConfig) -> Arc<Tase2Station> {
        Tase2Server::new_station(config)
    }
    fn serve(&self, station: Arc<Tase2Station>) -> Tase2Server {
        let config = MmsServerConfig {
            association: mms_pdu::association::Config::DEFAULT,
            authorize: None,
            ..MmsServerConfig::default()
        };
        (Tase2Server::bind("127.0.0.1:0", config, station)).unwrap()
    }
    fn addr(&self, server: &Tase2Server) -> SocketAddr {
        server.local_addr()
    }
    fn update(
        &self,
        server: &Tase2Server,
        point: PointId,
        value: Value,
    ) -> Result<(), StationError> {
        server.update(point, value)
    }
    fn server_message(
        &self,
        server: &Tase2Server,
        domain: &Domain,
        header: InfoMessHeader,
        data: &[u8],
    ) -> Result<usize, StationError> {
        server.send_message(domain, header, data)
    }
    fn station_event(&self, server: &mut Tase2Server, timeout: Duration) -> Option<StationEvent> {
        server.next_event_timeout(timeout)
    }
    fn stop(&self, server: Tase2Server) {
        server.close();
    }

    fn connect(&self, addr: SocketAddr, setup: ClientSetup) -> R<Tase2Client> {
        let config = Tase2ClientConfig {
            association: setup.association,
            icc_domain: setup.icc_domain,
            table_id: setup.table_id,
            versions: setup.versions,
            blocks: setup.blocks,
        };
        (Tase2Client::connect(addr, config)).map_err(fail)
    }
    fn peer(&self, client: &Tase2Client) -> PeerCheck {
        *client.peer()
    }
    fn names(&self, client: &Tase2Client, scope: ObjectScope<'_>) -> R<Vec<String>> {
        (client.names(ObjectClass::NamedVariable, scope)).map_err(fail)
    }
    fn read(
        &self,
        client: &mut Tase2Client,
        points: &[(PointName, ValueKind)],
    ) -> R<Vec<Result<Value, ClientError>>> {
        (client.read(points)).map_err(fail)
    }
    fn define_data_set(
        &self,
        client: &mut Tase2Client,
        name: &str,
        points: &[(PointName, ValueKind)],
    ) -> R<PointName> {
        (client.define_data_set(name, points)).map_err(fail)
    }
    fn delete_data_set(&self, client: &mut Tase2Client, name: &str) -> R<bool> {
        (client.delete_data_set(name)).map_err(fail)
    }
    fn start_transfer_set(
        &self,
        client: &mut Tase2Client,
        data_set: &str,
        options: TransferSetOptions,
    ) -> R<PointName> {
        (client.start_transfer_set(data_set, options)).map_err(fail)
    }
    fn stop_transfer_set(&self, client: &mut Tase2Client, ts: &PointName) -> R<()> {
        (client.stop_transfer_set(ts)).map_err(fail)
    }
    fn write_component(
        &self,
        client: &Tase2Client,
        ts: &PointName,
        component: DsTransferSetComponent,
        value: ComponentValue<'_>,
    ) -> R<()> {
        client
            .write_transfer_set_component(ts, component, value)
            .map_err(fail)
    }
    fn next_report(&self, client: &mut Tase2Client, timeout: Duration) -> Option<Tase2Report> {
        client.next_report_timeout(timeout)
    }
    fn next_message(&self, client: &mut Tase2Client, timeout: Duration) -> Option<Tase2Message> {
        client.next_message_timeout(timeout)
    }
    fn acknowledged(&self, client: &Tase2Client) -> u64 {
        client.acknowledged()
    }
    fn select(&self, client: &Tase2Client, device: &PointName) -> R<i16> {
        (client.select(device)).map_err(fail)
    }
    fn operate(&self, client: &Tase2Client, device: &PointName, value: DeviceValue) -> R<()> {
        (client.operate(device, value)).map_err(fail)
    }
    fn tag(&self, client: &Tase2Client, device: &PointName) -> R<DeviceTag> {
        (client.tag(device)).map_err(fail)
    }
    fn set_tag(
        &self,
        client: &Tase2Client,
        device: &PointName,
        tag: TagState,
        reason: &str,
    ) -> R<()> {
        (client.set_tag(device, tag, reason)).map_err(fail)
    }
    fn enable_messages(&self, client: &Tase2Client, enable: bool) -> R<()> {
        (client.enable_messages(enable)).map_err(fail)
    }
    fn client_message(
        &self,
        client: &Tase2Client,
        icc: bool,
        header: InfoMessHeader,
        text: &[u8],
    ) -> R<()> {
        client.send_message(icc, header, text).map_err(fail)
    }
    fn connect_serving(
        &self,
        addr: SocketAddr,
        setup: ClientSetup,
        station: Arc<Tase2Station>,
        table_id: Option<&str>,
    ) -> R<Tase2Client> {
        let config = Tase2ClientConfig {
            association: setup.association,
            icc_domain: setup.icc_domain,
            table_id: setup.table_id,
            versions: setup.versions,
            blocks: setup.blocks,
        };
        Tase2Client::connect_serving(addr, config, station, table_id).map_err(fail)
    }
    fn server_read(
        &self,
        server: &Tase2Server,
        association: u64,
        points: &[(PointName, ValueKind)],
    ) -> R<Vec<Result<Value, ClientError>>> {
        let a = server
            .association_timeout(association, e2e_tase2::STEP)
            .ok_or(Fail::Mms("no such association".into()))?;
        let names: Vec<_> = points
            .iter()
            .map(|(p, _)| p.object_name().unwrap())
            .collect();
        let mut items = vec![core::PLACEHOLDER_ITEM; names.len()];
        let req = core::read_request(&names, &mut items).map_err(Fail::Client)?;
        let r = a.request(req).map_err(|e| Fail::Mms(format!("{e:?}")))?;
        let service = r.service().ok_or(Fail::Mms("no answer".into()))?;
        let results = core::read_results(&service, names.len()).map_err(Fail::Client)?;
        Ok(results
            .iter()
            .zip(points)
            .enumerate()
            .map(|(i, (res, (_, k)))| core::typed_value(&res, i, *k))
            .collect())
    }
    fn conclude(&self, client: Tase2Client) {
        (client.conclude(Duration::from_secs(10))).unwrap();
    }
}

#[test]
fn association_checks() {
    e2e_tase2::association_checks(&Threads);
}

#[test]
fn reads_allowed_and_denied() {
    e2e_tase2::reads_allowed_and_denied(&Threads);
}

#[test]
fn transfer_set_rbe_and_integrity() {
    e2e_tase2::transfer_set_rbe_and_integrity(&Threads);
}

#[test]
fn critical_reports_acknowledged() {
    e2e_tase2::critical_reports_acknowledged(&Threads);
}

#[test]
fn device_control() {
    e2e_tase2::device_control(&Threads);
}

#[test]
fn messages_both_ways() {
    e2e_tase2::messages_both_ways(&Threads);
}

#[test]
fn both_roles_on_one_association() {
    e2e_tase2::both_roles_on_one_association(&Threads);
}

#[test]
fn client_against_1996_station() {
    e2e_tase2::client_against_1996_station(&Threads);
}

#[test]
fn transfer_set_written_by_component() {
    e2e_tase2::transfer_set_written_by_component(&Threads);
}

#[test]
fn set_points_operated() {
    e2e_tase2::set_points_operated(&Threads);
}

#[test]
fn every_value_type_reported() {
    e2e_tase2::every_value_type_reported(&Threads);
}

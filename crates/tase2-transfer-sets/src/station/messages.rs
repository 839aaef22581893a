//! Unconfirmed PDUs in both directions: information messages (block 4, IEC 60870-6-503
//! clause 8.5) sent to the associations that enabled `IM_Transfer_Set` and received from
//! clients, and the client's acknowledgement of critical reports: an InformationReport of
//! `Transfer_Report_ACK` (or `_NACK`), whose value names the transfer set, with the
//! report's `Transfer_Set_Time_Stamp` echoed.

use std::string::String;
use std::vec::Vec;

use mms_pdu::mms::{
    AccessResult, Data, InformationReport, UnconfirmedService, VariableAccessSpecification,
    VariableSpecification,
};
use telecontrol_core::Instant;

use super::config::Domain;
use super::encode::{self, Spec};
use super::inner::{Inner, Obj, TRANSFER_REPORT_ACK, TRANSFER_REPORT_NACK};
use super::{StationError, StationEvent};
use crate::objects::{INFO_BUFF_PREFIX, INFO_MESS_HEADER, TRANSFER_SET_TIME_STAMP, gmt_based_s};
use crate::{AccessRights, InfoMessHeader, Tase2Name, info_buffer};

impl Inner {
    pub(crate) fn send_message(
        &mut self,
        domain: &Domain,
        header: InfoMessHeader,
        data: &[u8],
    ) -> Result<usize, StationError> {
        let dom = self
            .find_dom(domain)
            .ok_or(StationError::Unknown { what: "domain" })?;
        let names = usize::try_from(dom)
            .ok()
            .and_then(|d| self.names.get(d))
            .ok_or(StationError::Unknown { what: "domain" })?;
        let size = names
            .values()
            .filter_map(|o| match o {
                Obj::InfoBuffer(n) => Some(*n),
                _ => None,
            })
            .filter(|n| usize::try_from(*n).is_ok_and(|n| n >= data.len()))
            .min()
            .ok_or(StationError::MessageTooLarge { size: data.len() })?;
        let buffer = std::format!("{INFO_BUFF_PREFIX}{size}");
        let header = InfoMessHeader {
            size: i32::try_from(data.len())
                .map_err(|_| StationError::MessageTooLarge { size: data.len() })?,
            ..header
        };
        let dn = self.domain_name(dom);
        let (mut names_buf, mut results) = (Vec::new(), Vec::new());
        encode::append_name(dn, INFO_MESS_HEADER, &mut names_buf);
        encode::append_name(dn, &buffer, &mut names_buf);
        let mut f = [Data::Boolean(false); 4];
        encode::append_data(header.to_data(&mut f), &mut results);
        encode::append_data(Data::OctetString(data), &mut results);
        let mut pdu = Vec::new();
        encode::write_report(&Spec::List(&[&names_buf]), &[&results], &mut pdu);
        let mut to: Vec<u64> = self
            .associations
            .iter()
            .filter(|(id, a)| {
                a.im_enabled && self.rights(**id, dom, &buffer).allows(AccessRights::READ)
            })
            .map(|(id, _)| *id)
            .collect();
        to.sort_unstable();
        for a in &to {
            self.out.push_back((*a, pdu.clone()));
        }
        Ok(to.len())
    }

    pub(crate) fn handle_unconfirmed(
        &mut self,
        now: Instant,
        association: u64,
        service: &UnconfirmedService<'_>,
    ) -> Result<(), StationError> {
        let bad = |what| StationError::Unexpected { what };
        let UnconfirmedService::InformationReport(ir) = service else {
            return Err(bad("not an InformationReport"));
        };
        if !self.associations.contains_key(&association) {
            return Err(StationError::Unknown {
                what: "association",
            });
        }
        let first = first_name(ir).ok_or(bad("report without a variable name"))?;
        match first {
            TRANSFER_REPORT_ACK | TRANSFER_REPORT_NACK => {
                self.acknowledge(now, association, ir, first == TRANSFER_REPORT_ACK)
            }
            INFO_MESS_HEADER => self.receive_message(association, ir),
            _ => Err(bad("neither an acknowledgement nor an information message")),
        }
    }

    fn acknowledge(
        &mut self,
        _now: Instant,
        association: u64,
        ir: &InformationReport<'_>,
        positive: bool,
    ) -> Result<(), StationError> {
        let bad = |what| StationError::Unexpected { what };
        let mut ts_name = None;
        let mut stamp = None;
        let names = match ir.variable_access_specification {
            VariableAccessSpecification::ListOfVariable(l) => l,
            VariableAccessSpecification::VariableListName(_) => return Err(bad("named list")),
        };
        for (item, result) in names.iter().zip(ir.results.iter()) {
            let (VariableSpecification::Name(n), AccessResult::Success(d)) =
                (item.specification, result)
            else {
                continue;
            };
            match n.item().as_str() {
                TRANSFER_REPORT_ACK | TRANSFER_REPORT_NACK => {
                    let t = Tase2Name::from_data(&d).map_err(|_| bad("transfer set name"))?;
                    ts_name = Some((String::from(t.domain), String::from(t.name)));
                }
                TRANSFER_SET_TIME_STAMP => {
                    stamp = Some(gmt_based_s(&d).map_err(|_| bad("time stamp"))?);
                }
                _ => {}
            }
        }
        let (domain, name) = ts_name.ok_or(bad("no transfer set named"))?;
        self.settle(association, &domain, &name, stamp, positive)
    }

    /// Settle a critical report of transfer set `domain`/`name` for `association`.
    pub(super) fn settle(
        &mut self,
        association: u64,
        domain: &str,
        name: &str,
        stamp: Option<i32>,
        positive: bool,
    ) -> Result<(), StationError> {
        let bad = |what| StationError::Unexpected { what };
        let icc = self
            .dom_of(domain)
            .filter(|d| Some(*d) == self.icc_of(association))
            .ok_or(bad("transfer set of another domain"))?;
        let ix = self
            .transfer_sets
            .get(usize::try_from(icc).unwrap_or(usize::MAX))
            .and_then(|s| s.iter().position(|t| t.name == name))
            .and_then(|i| u16::try_from(i).ok())
            .ok_or(bad("unknown transfer set"))?;
        let transfer_set = std::format!("{domain}/{name}");
        let t = self.ts_mut(icc, ix).ok_or(bad("unknown transfer set"))?;
        if t.owner != Some(association) {
            return Err(bad("transfer set of another association"));
        }
        t.acknowledge(stamp, positive)
            .map_err(|_| bad("no report with that time stamp awaits acknowledgement"))?;
        if !positive {
            self.events.push_back(StationEvent::ReportNack {
                association,
                transfer_set,
            });
        }
        Ok(())
    }

    fn receive_message(
        &mut self,
        association: u64,
        ir: &InformationReport<'_>,
    ) -> Result<(), StationError> {
        let bad = |what| StationError::Unexpected { what };
        let mut results = ir.results.iter();
        let (Some(AccessResult::Success(h)), Some(AccessResult::Success(b))) =
            (results.next(), results.next())
        else {
            return Err(bad("information message without header and buffer"));
        };
        let header = InfoMessHeader::from_data(&h).map_err(|_| bad("Info_Mess_Header"))?;
        let buf = info_buffer(&b).map_err(|_| bad("Info_Buff"))?;
        let size = usize::try_from(header.size).map_err(|_| bad("negative Size"))?;
        let data = buf
            .get(..size)
            .ok_or(bad("buffer shorter than the header's Size"))?;
        self.events.push_back(StationEvent::Message {
            association,
            header,
            data: data.to_vec(),
        });
        Ok(())
    }
}

/// The item name of the first variable of a `listOfVariable` report.
fn first_name<'a>(ir: &InformationReport<'a>) -> Option<&'a str> {
    let VariableAccessSpecification::ListOfVariable(l) = ir.variable_access_specification else {
        return None;
    };
    match l.iter().next()?.specification {
        VariableSpecification::Name(n) => Some(n.item().as_str()),
        _ => None,
    }
}

//! Initiate (ISO 9506-2 8.2): the MMS part of association set-up, carried in the ACSE
//! AARQ/AARE user information.

use telecontrol_core::{EncodeError, Writer};

use super::MmsError;
use super::prim::{Fields, ctx, ctx_c, header, int, int_len, tlv};
use crate::ber::{BitString, Tlv};

/// Bits of `ParameterSupportOptions` (ISO 9506-2 8.2.1, the parameter CBBs).
pub mod parameter_cbb {
    /// `str1`: arrays.
    pub const STR1: usize = 0;
    /// `str2`: structures.
    pub const STR2: usize = 1;
    /// `vnam`: named variables.
    pub const VNAM: usize = 2;
    /// `valt`: alternate access.
    pub const VALT: usize = 3;
    /// `vadr`: addressed variables.
    pub const VADR: usize = 4;
    /// `vsca`: scattered access.
    pub const VSCA: usize = 5;
    /// `tpy`: third party.
    pub const TPY: usize = 6;
    /// `vlis`: named variable lists.
    pub const VLIS: usize = 7;
    /// `real`.
    pub const REAL: usize = 8;
    /// `cei`: condition event information.
    pub const CEI: usize = 10;
}

/// Bits of `ServiceSupportOptions` (ISO 9506-2 8.2.1): the confirmed service tags, then
/// the unconfirmed and other services.
pub mod service_support {
    /// `status`.
    pub const STATUS: usize = 0;
    /// `getNameList`.
    pub const GET_NAME_LIST: usize = 1;
    /// `identify`.
    pub const IDENTIFY: usize = 2;
    /// `read`.
    pub const READ: usize = 4;
    /// `write`.
    pub const WRITE: usize = 5;
    /// `getVariableAccessAttributes`.
    pub const GET_VARIABLE_ACCESS_ATTRIBUTES: usize = 6;
    /// `defineNamedVariableList`.
    pub const DEFINE_NAMED_VARIABLE_LIST: usize = 11;
    /// `getNamedVariableListAttributes`.
    pub const GET_NAMED_VARIABLE_LIST_ATTRIBUTES: usize = 12;
    /// `deleteNamedVariableList`.
    pub const DELETE_NAMED_VARIABLE_LIST: usize = 13;
    /// `informationReport`.
    pub const INFORMATION_REPORT: usize = 79;
    /// `conclude`.
    pub const CONCLUDE: usize = 83;
    /// `cancel`.
    pub const CANCEL: usize = 84;
}

/// The parameters Initiate request and response share (ISO 9506-2 8.2.1): proposed in the
/// request, negotiated in the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitiateParams<'a> {
    /// `localDetailCalling/Called [0]`: maximum PDU size in octets.
    pub local_detail: Option<i32>,
    /// `...MaxServOutstandingCalling [1]`.
    pub max_serv_outstanding_calling: i16,
    /// `...MaxServOutstandingCalled [2]`.
    pub max_serv_outstanding_called: i16,
    /// `...DataStructureNestingLevel [3]`.
    pub data_structure_nesting_level: Option<i8>,
    /// `initRequestDetail/initResponseDetail [4]`.
    pub detail: InitDetail<'a>,
}

/// `InitRequestDetail` / `InitResponseDetail` (ISO 9506-2 8.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitDetail<'a> {
    /// `proposed/negotiatedVersionNumber [0]`.
    pub version_number: i16,
    /// `proposed/negotiatedParameterCBB [1]` (bits in [`parameter_cbb`]).
    pub parameter_cbb: BitString<'a>,
    /// `servicesSupportedCalling/Called [2]` (bits in [`service_support`]).
    pub services_supported: BitString<'a>,
    /// Later optional fields of the 2003 edition (`additionalSupported...`,
    /// `privilegeClassIdentity...`), kept as received contents octets.
    pub extension: &'a [u8],
}

impl<'a> InitDetail<'a> {
    fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "InitDetail")?;
        let version_number = int(&f.req(ctx(0), "versionNumber")?, "versionNumber")?;
        let parameter_cbb = f.req(ctx(1), "parameterCBB")?.as_bit_string()?;
        let services_supported = f.req(ctx(2), "servicesSupported")?.as_bit_string()?;
        let extension = f.rest();
        while f.next()?.is_some() {}
        Ok(InitDetail {
            version_number,
            parameter_cbb,
            services_supported,
            extension,
        })
    }

    fn content_len(&self) -> usize {
        int_len(ctx(0), i64::from(self.version_number))
            .saturating_add(tlv(ctx(1), self.parameter_cbb.content_len()))
            .saturating_add(tlv(ctx(2), self.services_supported.content_len()))
            .saturating_add(self.extension.len())
    }

    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        super::prim::write_int(w, ctx(0), i64::from(self.version_number))?;
        header(w, ctx(1), self.parameter_cbb.content_len())?;
        self.parameter_cbb.write_content(w)?;
        header(w, ctx(2), self.services_supported.content_len())?;
        self.services_supported.write_content(w)?;
        w.write_bytes(self.extension)?;
        Ok(())
    }
}

impl<'a> InitiateParams<'a> {
    /// Decode an Initiate-RequestPDU or -ResponsePDU body.
    pub(crate) fn decode(tlv: &Tlv<'a>) -> Result<Self, MmsError> {
        let mut f = Fields::of(tlv, "Initiate")?;
        let local_detail = f.opt(ctx(0))?.map(|t| int(&t, "localDetail")).transpose()?;
        let max_serv_outstanding_calling = int(
            &f.req(ctx(1), "maxServOutstandingCalling")?,
            "maxServOutstandingCalling",
        )?;
        let max_serv_outstanding_called = int(
            &f.req(ctx(2), "maxServOutstandingCalled")?,
            "maxServOutstandingCalled",
        )?;
        let data_structure_nesting_level = f
            .opt(ctx(3))?
            .map(|t| int(&t, "dataStructureNestingLevel"))
            .transpose()?;
        let detail = InitDetail::decode(&f.req(ctx_c(4), "initDetail")?)?;
        f.end()?;
        Ok(InitiateParams {
            local_detail,
            max_serv_outstanding_calling,
            max_serv_outstanding_called,
            data_structure_nesting_level,
            detail,
        })
    }

    pub(crate) fn content_len(&self) -> usize {
        self.local_detail
            .map_or(0, |l| int_len(ctx(0), i64::from(l)))
            .saturating_add(int_len(
                ctx(1),
                i64::from(self.max_serv_outstanding_calling),
            ))
            .saturating_add(int_len(ctx(2), i64::from(self.max_serv_outstanding_called)))
            .saturating_add(
                self.data_structure_nesting_level
                    .map_or(0, |n| int_len(ctx(3), i64::from(n))),
            )
            .saturating_add(tlv(ctx_c(4), self.detail.content_len()))
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        use super::prim::write_int;
        if let Some(l) = self.local_detail {
            write_int(w, ctx(0), i64::from(l))?;
        }
        write_int(w, ctx(1), i64::from(self.max_serv_outstanding_calling))?;
        write_int(w, ctx(2), i64::from(self.max_serv_outstanding_called))?;
        if let Some(n) = self.data_structure_nesting_level {
            write_int(w, ctx(3), i64::from(n))?;
        }
        header(w, ctx_c(4), self.detail.content_len())?;
        self.detail.write_content(w)
    }
}

#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod builder;
mod command;
mod element;
mod error;
mod file;
mod header;
mod measured;
mod params;
mod quality;
mod time;
mod type_id;
mod value;
mod view;
mod wire;

pub use builder::{Asdu, AsduBuilder};
pub use command::{Coi, Dco, Fbp, Frz, Qcc, Qoi, Qos, Qpa, Qpm, Qrp, Qu, Rco, Rcs, Sco, Tsc};
pub use element::{Element, TypedObjects};
pub use error::AsduError;
pub use file::{Afq, Chs, Frq, Lof, Los, Lsq, Nof, Nos, Scq, Segment, Sof, Srq};
pub use header::{Cause, CommonAddress, Cot, Header, Ioa};
pub use measured::{Bcr, Bsi, Nva, Scd, Sva};
pub use params::AsduParams;
pub use quality::{Diq, Dpi, Oci, Qdp, Qds, Quality, Sep, Siq, Spe, Vti};
pub use time::{Cp16Time2a, Cp24Time2a, Cp56Time2a};
pub use type_id::{RawTypeId, TimeTagKind, TypeId};
pub use value::{TimeTag, Value, typed};
pub use view::{AsduView, InfoObject, Objects, decode};

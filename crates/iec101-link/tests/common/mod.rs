//! Frame builders shared by the scenario tests.
#![allow(dead_code)]

use telecontrol_iec101_link::{AddressSize, Frame, MAX_FRAME_LEN};

pub fn fixed(a: AddressSize, control: u8, address: u16) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = Frame::Fixed { control, address }
        .encode(a, &mut buf)
        .unwrap();
    buf[..n].to_vec()
}

pub fn var(a: AddressSize, control: u8, address: u16, data: &[u8]) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = Frame::Variable {
        control,
        address,
        data,
    }
    .encode(a, &mut buf)
    .unwrap();
    buf[..n].to_vec()
}

pub const E5: [u8; 1] = [0xE5];

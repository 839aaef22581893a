//! Typed access without the general [`Value`](crate::Value): [`AsduView::typed`] iterates
//! the objects of one known type as `(Ioa, element set)` tuples.

use core::iter::FusedIterator;
use core::marker::PhantomData;

use crate::header::take_ioa;
use crate::{AsduView, Ioa, TypeId};

mod sealed {
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A type identification known at compile time, named by its marker in [`typed`](crate::typed)
/// (`typed::MMeNc1` for `M_ME_NC_1`, ...).
///
/// Implemented for those markers only.
pub trait Element: Sealed + Copy {
    /// The type identification.
    const TYPE_ID: TypeId;
    /// The element set of one object, fields in wire order (the fields of the [`Value`]
    /// variant of the same name).
    ///
    /// [`Value`]: crate::Value
    type Set<'a>: Copy;
    /// Read one element set from the front of `b` and advance it; `None` when it is short.
    /// The ranges were checked by [`AsduView::decode`].
    #[doc(hidden)]
    fn read_set<'a>(b: &mut &'a [u8]) -> Option<Self::Set<'a>>;
    /// The element set as the general [`Value`](crate::Value).
    fn value(set: Self::Set<'_>) -> crate::Value<'_>;
}

impl<'a> AsduView<'a> {
    /// The information objects as the element sets of type `E`, or `None` when the ASDU is of
    /// another type. Reading is as checked as [`objects`](Self::objects), without building a
    /// general [`Value`](crate::Value) per object; the fastest way to consume a known type.
    ///
    /// ```
    /// use telecontrol_asdu::{typed, AsduBuilder, AsduParams, AsduView, Cause, CommonAddress,
    ///     Cot, Ioa, Qds, Quality, TypeId, Value};
    /// let mut buf = [0u8; 64];
    /// let mut b = AsduBuilder::new(&AsduParams::IEC104, TypeId::MMeNc1,
    ///     Cot::new(Cause::PERIODIC), CommonAddress(1), true, &mut buf)?;
    /// for (a, v) in [(100, 1.5f32), (101, 2.5)] {
    ///     b.push(Ioa::new(a).ok_or("address")?, &Value::MMeNc1(v, Qds::new(Quality::GOOD)))?;
    /// }
    /// let n = b.len();
    /// let view = AsduView::decode(&AsduParams::IEC104, &buf[..n])?;
    /// let mut sum = 0.0;
    /// for (ioa, (value, qds)) in view.typed::<typed::MMeNc1>().unwrap() {
    ///     assert!(qds.quality().is_good() && (100..=101).contains(&ioa.value()));
    ///     sum += value;
    /// }
    /// assert_eq!(sum, 4.0);
    /// assert!(view.typed::<typed::MSpNa1>().is_none());
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn typed<E: Element>(&self) -> Option<TypedObjects<'a, E>> {
        if self.type_id() != E::TYPE_ID {
            return None;
        }
        let params = self.params();
        let mut rest = self.payload();
        let mut remaining = self.count();
        let mut next_ioa = 0;
        if self.sq() && remaining > 0 {
            match take_ioa(params.ioa_size(), &mut rest) {
                Ok(first) => next_ioa = first.value(),
                Err(_) => remaining = 0,
            }
        }
        Some(TypedObjects {
            rest,
            ioa_size: params.ioa_size(),
            sq: self.sq(),
            remaining,
            next_ioa,
            marker: PhantomData,
        })
    }
}

/// Iterator over the objects of an [`AsduView`] of a known type: see [`AsduView::typed`].
#[derive(Clone, Debug)]
pub struct TypedObjects<'a, E> {
    rest: &'a [u8],
    ioa_size: u8,
    sq: bool,
    remaining: u8,
    next_ioa: u32,
    marker: PhantomData<E>,
}

impl<'a, E: Element> Iterator for TypedObjects<'a, E> {
    type Item = (Ioa, E::Set<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining = self.remaining.wrapping_sub(1);
        let ioa = if self.sq {
            // decode checked that the sequence's last address fits the address size.
            let a = self.next_ioa;
            self.next_ioa = a.wrapping_add(1);
            Ioa::from_u24(a)
        } else if let Ok(a) = take_ioa(self.ioa_size, &mut self.rest) {
            a
        } else {
            self.remaining = 0;
            return None;
        };
        // Cannot fail after AsduView::decode's length check; stop rather than panic.
        if let Some(set) = E::read_set(&mut self.rest) {
            Some((ioa, set))
        } else {
            self.remaining = 0;
            None
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.remaining);
        (n, Some(n))
    }
}

impl<E: Element> ExactSizeIterator for TypedObjects<'_, E> {}
impl<E: Element> FusedIterator for TypedObjects<'_, E> {}

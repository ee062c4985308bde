//! Columns in the narrowest width their values fit: less memory to fill, hold and stream per
//! record. A column read in parts starts at the narrowest width and is widened, once, when a
//! value does not fit, so that a file's columns are never held at full width.

/// An int column.
#[derive(Clone, Debug, PartialEq)]
pub enum Ints {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// The width index (0 for `i8` … 3 for `i64`) that holds every value from `lo` to `hi`.
fn int_width(lo: i64, hi: i64) -> u8 {
    let fits = |min: i64, max: i64| lo >= min && hi <= max;
    if fits(i8::MIN.into(), i8::MAX.into()) {
        0
    } else if fits(i16::MIN.into(), i16::MAX.into()) {
        1
    } else if fits(i32::MIN.into(), i32::MAX.into()) {
        2
    } else {
        3
    }
}

/// Keeps the items whose position `keep` accepts.
fn retain_at<T>(values: &mut Vec<T>, keep: impl Fn(usize) -> bool) {
    let mut i = 0;
    values.retain(|_| {
        i += 1;
        keep(i - 1)
    });
}

impl From<Vec<i64>> for Ints {
    fn from(values: Vec<i64>) -> Ints {
        let lo = values.iter().copied().min().unwrap_or(0);
        let hi = values.iter().copied().max().unwrap_or(0);
        if int_width(lo, hi) == 3 {
            return Ints::I64(values);
        }
        let mut ints = Ints::default();
        ints.extend_from(&values);
        ints
    }
}

impl Default for Ints {
    fn default() -> Self {
        Ints::I8(Vec::new())
    }
}

impl Ints {
    pub fn len(&self) -> usize {
        match self {
            Ints::I8(v) => v.len(),
            Ints::I16(v) => v.len(),
            Ints::I32(v) => v.len(),
            Ints::I64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn width(&self) -> u8 {
        match self {
            Ints::I8(_) => 0,
            Ints::I16(_) => 1,
            Ints::I32(_) => 2,
            Ints::I64(_) => 3,
        }
    }

    /// Bytes the values take.
    pub fn bytes(&self) -> usize {
        self.len() << self.width()
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> i64 {
        match self {
            Ints::I8(v) => v[i].into(),
            Ints::I16(v) => v[i].into(),
            Ints::I32(v) => v[i].into(),
            Ints::I64(v) => v[i],
        }
    }

    /// Every value, widened.
    pub fn to_vec(&self) -> Vec<i64> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }

    /// Room for `more` values at the present width.
    pub fn reserve(&mut self, more: usize) {
        match self {
            Ints::I8(v) => v.reserve(more),
            Ints::I16(v) => v.reserve(more),
            Ints::I32(v) => v.reserve(more),
            Ints::I64(v) => v.reserve(more),
        }
    }

    /// Appends `values`, first widening the column if one of them does not fit.
    pub fn extend_from(&mut self, values: &[i64]) {
        let lo = values.iter().copied().min().unwrap_or(0);
        let hi = values.iter().copied().max().unwrap_or(0);
        let need = int_width(lo, hi);
        if need > self.width() {
            self.widen_to(need);
        }
        // Every value fits the width, so the casts keep them.
        match self {
            Ints::I8(v) => v.extend(values.iter().map(|x| *x as i8)),
            Ints::I16(v) => v.extend(values.iter().map(|x| *x as i16)),
            Ints::I32(v) => v.extend(values.iter().map(|x| *x as i32)),
            Ints::I64(v) => v.extend_from_slice(values),
        }
    }

    /// The same values at a greater width, with the same room.
    fn widen_to(&mut self, width: u8) {
        let room = match self {
            Ints::I8(v) => v.capacity(),
            Ints::I16(v) => v.capacity(),
            Ints::I32(v) => v.capacity(),
            Ints::I64(v) => v.capacity(),
        };
        let values = self.to_vec();
        *self = match width {
            0 => Ints::I8(Vec::with_capacity(room)),
            1 => Ints::I16(Vec::with_capacity(room)),
            2 => Ints::I32(Vec::with_capacity(room)),
            _ => Ints::I64(Vec::with_capacity(room)),
        };
        self.extend_from(&values);
    }

    /// Keeps the values whose position `keep` accepts.
    pub fn retain_rows(&mut self, keep: impl Fn(usize) -> bool) {
        match self {
            Ints::I8(v) => retain_at(v, keep),
            Ints::I16(v) => retain_at(v, keep),
            Ints::I32(v) => retain_at(v, keep),
            Ints::I64(v) => retain_at(v, keep),
        }
    }

    /// Values `start..start + out.len()`, widened.
    pub(super) fn widen(&self, start: usize, out: &mut [i64]) {
        fn from<T: Copy + Into<i64>>(src: &[T], out: &mut [i64]) {
            for (o, s) in out.iter_mut().zip(src) {
                *o = (*s).into();
            }
        }
        let end = start + out.len();
        match self {
            Ints::I8(v) => from(&v[start..end], out),
            Ints::I16(v) => from(&v[start..end], out),
            Ints::I32(v) => from(&v[start..end], out),
            Ints::I64(v) => out.copy_from_slice(&v[start..end]),
        }
    }
}

/// Dictionary codes, in the width a dictionary of their size needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Codes {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

/// The width index (0 for `u8`, 1 for `u16`, 2 for `u32`) for a dictionary of `values` values.
fn code_width(values: usize) -> u8 {
    if values <= 1 << 8 {
        0
    } else if values <= 1 << 16 {
        1
    } else {
        2
    }
}

impl Default for Codes {
    fn default() -> Self {
        Codes::U8(Vec::new())
    }
}

impl Codes {
    /// `codes` into a dictionary of `values` values.
    pub fn new(codes: Vec<u32>, values: usize) -> Codes {
        if code_width(values) == 2 {
            return Codes::U32(codes);
        }
        let mut narrow = Codes::default();
        narrow.extend_from(&codes, None, values);
        narrow
    }

    pub fn len(&self) -> usize {
        match self {
            Codes::U8(v) => v.len(),
            Codes::U16(v) => v.len(),
            Codes::U32(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn width(&self) -> u8 {
        match self {
            Codes::U8(_) => 0,
            Codes::U16(_) => 1,
            Codes::U32(_) => 2,
        }
    }

    /// Bytes the codes take.
    pub fn bytes(&self) -> usize {
        self.len() << self.width()
    }

    /// Code `i`.
    pub fn get(&self, i: usize) -> u32 {
        match self {
            Codes::U8(v) => v[i].into(),
            Codes::U16(v) => v[i].into(),
            Codes::U32(v) => v[i],
        }
    }

    /// Every code, widened.
    pub fn to_vec(&self) -> Vec<u32> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }

    /// The first code that is `values` or more: one that no value of a dictionary of that
    /// size has.
    pub fn first_at_least(&self, values: usize) -> Option<u32> {
        (0..self.len())
            .map(|i| self.get(i))
            .find(|c| *c as usize >= values)
    }

    /// Room for `more` codes at the present width.
    pub fn reserve(&mut self, more: usize) {
        match self {
            Codes::U8(v) => v.reserve(more),
            Codes::U16(v) => v.reserve(more),
            Codes::U32(v) => v.reserve(more),
        }
    }

    /// Appends `codes` (each first looked up in `map`, when given) of a dictionary that now has
    /// `values` values, first widening the column if the dictionary has outgrown it. Codes must
    /// be below `values`.
    pub fn extend_from(&mut self, codes: &[u32], map: Option<&[u32]>, values: usize) {
        let need = code_width(values);
        if need > self.width() {
            let room = match self {
                Codes::U8(v) => v.capacity(),
                Codes::U16(v) => v.capacity(),
                Codes::U32(v) => v.capacity(),
            };
            let old = self.to_vec();
            *self = match need {
                1 => Codes::U16(Vec::with_capacity(room)),
                _ => Codes::U32(Vec::with_capacity(room)),
            };
            self.extend_from(&old, None, values);
        }
        let code = |c: &u32| match map {
            Some(map) => map[*c as usize],
            None => *c,
        };
        match self {
            Codes::U8(v) => v.extend(codes.iter().map(|c| code(c) as u8)),
            Codes::U16(v) => v.extend(codes.iter().map(|c| code(c) as u16)),
            Codes::U32(v) => v.extend(codes.iter().map(code)),
        }
    }

    /// Keeps the codes whose position `keep` accepts.
    pub fn retain_rows(&mut self, keep: impl Fn(usize) -> bool) {
        match self {
            Codes::U8(v) => retain_at(v, keep),
            Codes::U16(v) => retain_at(v, keep),
            Codes::U32(v) => retain_at(v, keep),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Values appended in parts of any size end in the width of the whole, with the values.
        #[test]
        fn ints_in_parts_are_the_ints_of_the_whole(
            parts in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![-100i64..100, -40_000i64..40_000, any::<i32>().prop_map(i64::from), any::<i64>()],
                    0..20,
                ),
                0..6,
            ),
        ) {
            let mut ints = Ints::default();
            for part in &parts {
                ints.extend_from(part);
            }
            let whole: Vec<i64> = parts.concat();
            let expected = Ints::from(whole.clone());
            if !whole.is_empty() {
                prop_assert_eq!(&ints, &expected);
            }
            prop_assert_eq!(ints.to_vec(), whole);
        }

        /// Codes appended as their dictionary grows end in the width of the whole dictionary.
        #[test]
        fn codes_follow_their_dictionary(sizes in proptest::collection::vec(1usize..40_000, 1..5)) {
            let mut codes = Codes::default();
            let mut values = 0;
            let mut all = Vec::new();
            for size in sizes {
                values += size;
                let part: Vec<u32> = (0..size as u32).map(|c| values as u32 - 1 - c).collect();
                codes.extend_from(&part, None, values);
                all.extend(part);
            }
            prop_assert_eq!(codes.to_vec(), all.clone());
            prop_assert_eq!(codes, Codes::new(all, values));
        }
    }

    #[test]
    fn rows_are_left_out_at_any_width() {
        let mut ints = Ints::from(vec![1, 300, 2, 4]);
        ints.retain_rows(|i| i != 1);
        assert_eq!(ints, Ints::I16(vec![1, 2, 4]));
        let mut codes = Codes::new(vec![0, 1, 2], 3);
        codes.extend_from(&[0, 1], Some(&[2, 0]), 3);
        codes.retain_rows(|i| i % 2 == 0);
        assert_eq!(codes, Codes::U8(vec![0, 2, 0]));
        assert_eq!(codes.first_at_least(2), Some(2));
    }
}

//! [`IValue`] trees to and from TorchScript values. Both walks keep an explicit stack of open
//! containers instead of recursing, so [`MAX_DEPTH`] levels cost heap, not thread stack (a
//! debug build's frames would need about 4 KiB a level).
use super::value::{leaf_from_value, leaf_to_value, make, read, too_deep, Value, MAX_DEPTH};
use crate::error::{check, Result};
use crate::IValue;
use libtorch_sys::jit as j;

fn is_container(v: &IValue) -> bool {
    matches!(v, IValue::List(_) | IValue::Tuple(_) | IValue::Dict(_))
}

/// A Rust container being converted: its children so far.
struct Outgoing<'a> {
    src: &'a IValue,
    next: usize,
    built: Vec<Value>,
}

impl<'a> Outgoing<'a> {
    fn new(src: &'a IValue) -> Self {
        Outgoing {
            src,
            next: 0,
            built: Vec::new(),
        }
    }

    /// The next child (a dict's children are key 0, value 0, key 1, ...).
    fn next_child(&mut self) -> Option<&'a IValue> {
        let src: &'a IValue = self.src;
        let k = self.next;
        let child = match src {
            IValue::List(xs) | IValue::Tuple(xs) => xs.get(k),
            IValue::Dict(entries) => entries
                .get(k / 2)
                .map(|(key, value)| if k % 2 == 0 { key } else { value }),
            _ => None,
        };
        self.next += usize::from(child.is_some());
        child
    }

    #[track_caller]
    fn finish(self, op: &'static str) -> Result<Value> {
        let ptrs: Vec<*const j::ltrs_ivalue> = self.built.iter().map(Value::as_ptr).collect();
        // SAFETY (each constructor): the handles in `ptrs` are alive (owned by `self.built`) and
        // borrowed for the call, which copies them; the counts match the arrays.
        match self.src {
            IValue::Dict(_) => {
                let keys: Vec<_> = ptrs.iter().step_by(2).copied().collect();
                let values: Vec<_> = ptrs.iter().skip(1).step_by(2).copied().collect();
                let n = keys.len() as i64;
                make(op, |out| unsafe {
                    j::ltrs_ivalue_dict(keys.as_ptr(), values.as_ptr(), n, out)
                })
            }
            IValue::Tuple(_) => {
                let n = ptrs.len() as i64;
                make(op, |out| unsafe {
                    j::ltrs_ivalue_tuple(ptrs.as_ptr(), n, out)
                })
            }
            _ => {
                let n = ptrs.len() as i64;
                make(op, |out| unsafe {
                    j::ltrs_ivalue_list(ptrs.as_ptr(), n, out)
                })
            }
        }
    }
}

/// `v` as a TorchScript value (see [`leaf_to_value`] for single values); a list's element type
/// is its items' common type, and a call converts it to what the schema declares.
#[track_caller]
pub(crate) fn to_value(v: &IValue, op: &'static str) -> Result<Value> {
    if !is_container(v) {
        return leaf_to_value(v, op);
    }
    let mut stack = vec![Outgoing::new(v)];
    loop {
        let top = stack
            .last_mut()
            .expect("the stack holds the root until it is returned");
        match top.next_child() {
            Some(child) if is_container(child) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(op));
                }
                stack.push(Outgoing::new(child));
            }
            Some(child) => {
                let value = leaf_to_value(child, op)?;
                top.built.push(value);
            }
            None => {
                let done = stack.pop().expect("non-empty").finish(op)?;
                match stack.last_mut() {
                    Some(parent) => parent.built.push(done),
                    None => return Ok(done),
                }
            }
        }
    }
}

/// A TorchScript container being converted: the handles it reads from and its items so far.
struct Incoming {
    tag: i32,
    /// The list or tuple, or a dict's keys list then its values list.
    sources: Vec<*const j::ltrs_ivalue>,
    /// Keeps the handles in `sources` alive (all but a borrowed root).
    _owned: Vec<Value>,
    len: i64,
    next: i64,
    items: Vec<IValue>,
}

impl Incoming {
    /// Opens the container `p` (tag `tag`), owned by `owner` unless it is the borrowed root.
    #[track_caller]
    fn open(
        p: *const j::ltrs_ivalue,
        tag: i32,
        owner: Option<Value>,
        op: &'static str,
    ) -> Result<Incoming> {
        let mut owned: Vec<Value> = owner.into_iter().collect();
        let sources = if tag == j::LTRS_IVALUE_DICT {
            let (mut keys, mut values) = (std::ptr::null_mut(), std::ptr::null_mut());
            // SAFETY: `p` is a live dict handle; on success both out-pointers are new owned
            // lists, taken over at once.
            let (keys, values) = unsafe {
                check(j::ltrs_ivalue_dict_items(p, &mut keys, &mut values), op)?;
                (Value::take(keys, op)?, Value::take(values, op)?)
            };
            let sources = vec![keys.as_ptr(), values.as_ptr()];
            owned.push(keys);
            owned.push(values);
            sources
        } else {
            vec![p]
        };
        // SAFETY: the first source is a live list or tuple handle.
        let len = read(op, 0, |o| unsafe { j::ltrs_ivalue_len(sources[0], o) })?;
        let total = usize::try_from(len).unwrap_or(0) * sources.len();
        Ok(Incoming {
            tag,
            sources,
            _owned: owned,
            len,
            next: 0,
            items: Vec::with_capacity(total),
        })
    }

    /// The next child as a new handle, if any is left.
    #[track_caller]
    fn next_child(&mut self, op: &'static str) -> Result<Option<Value>> {
        if self.len == 0 || self.next >= self.len * self.sources.len() as i64 {
            return Ok(None);
        }
        let (source, k) = (
            self.sources[(self.next / self.len) as usize],
            self.next % self.len,
        );
        self.next += 1;
        // SAFETY: `source` is alive (owned by this frame or its owner); the item comes back as
        // a new owned handle.
        make(op, |out| unsafe { j::ltrs_ivalue_get(source, k, out) }).map(Some)
    }

    fn finish(mut self) -> IValue {
        match self.tag {
            j::LTRS_IVALUE_DICT => {
                let values = self.items.split_off(self.len as usize);
                IValue::Dict(self.items.into_iter().zip(values).collect())
            }
            j::LTRS_IVALUE_TUPLE => IValue::Tuple(self.items),
            _ => IValue::List(self.items),
        }
    }
}

fn is_container_tag(tag: i32) -> bool {
    matches!(
        tag,
        j::LTRS_IVALUE_LIST | j::LTRS_IVALUE_TUPLE | j::LTRS_IVALUE_DICT
    )
}

/// A TorchScript value as an [`IValue`]: lists of any element type become [`IValue::List`],
/// a dtype (an `int` in TorchScript) stays an [`IValue::Int`]; see [`leaf_from_value`] for
/// what has no `IValue` form.
#[track_caller]
pub(crate) fn from_value(v: &Value, op: &'static str) -> Result<IValue> {
    let root = v.as_ptr();
    // SAFETY: `root` is alive for the borrow of `v`.
    let tag = unsafe { j::ltrs_ivalue_tag(root) };
    if !is_container_tag(tag) {
        return leaf_from_value(root, tag, op);
    }
    let mut stack = vec![Incoming::open(root, tag, None, op)?];
    loop {
        let top = stack
            .last_mut()
            .expect("the stack holds the root until it is returned");
        match top.next_child(op)? {
            Some(child) => {
                // SAFETY: `child` is a live owned handle.
                let tag = unsafe { j::ltrs_ivalue_tag(child.as_ptr()) };
                if is_container_tag(tag) {
                    if stack.len() >= MAX_DEPTH {
                        return Err(too_deep(op));
                    }
                    let frame = Incoming::open(child.as_ptr(), tag, Some(child), op)?;
                    stack.push(frame);
                } else {
                    let item = leaf_from_value(child.as_ptr(), tag, op)?;
                    top.items.push(item);
                }
            }
            None => {
                let done = stack.pop().expect("non-empty").finish();
                match stack.last_mut() {
                    Some(parent) => parent.items.push(done),
                    None => return Ok(done),
                }
            }
        }
    }
}

//! Element types (`torch.dtype`).

/// A tensor's element type: every `c10::ScalarType` of libtorch 2.11, with the same codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[non_exhaustive]
pub enum Kind {
    /// `torch.uint8`
    Uint8 = 0,
    /// `torch.int8`
    Int8 = 1,
    /// `torch.int16`
    Int16 = 2,
    /// `torch.int32`
    Int = 3,
    /// `torch.int64` (`torch.long`)
    Int64 = 4,
    /// `torch.float16` (`torch.half`)
    Half = 5,
    /// `torch.float32` (`torch.float`)
    Float = 6,
    /// `torch.float64` (`torch.double`)
    Double = 7,
    /// `torch.complex32`
    ComplexHalf = 8,
    /// `torch.complex64`
    ComplexFloat = 9,
    /// `torch.complex128`
    ComplexDouble = 10,
    /// `torch.bool`
    Bool = 11,
    /// `torch.qint8`
    QInt8 = 12,
    /// `torch.quint8`
    QUInt8 = 13,
    /// `torch.qint32`
    QInt32 = 14,
    /// `torch.bfloat16`
    BFloat16 = 15,
    /// `torch.quint4x2`
    QUInt4x2 = 16,
    /// `torch.quint2x4`
    QUInt2x4 = 17,
    /// `torch.bits1x8`
    Bits1x8 = 18,
    /// `torch.bits2x4`
    Bits2x4 = 19,
    /// `torch.bits4x2`
    Bits4x2 = 20,
    /// `torch.bits8`
    Bits8 = 21,
    /// `torch.bits16`
    Bits16 = 22,
    /// `torch.float8_e5m2`
    Float8e5m2 = 23,
    /// `torch.float8_e4m3fn`
    Float8e4m3fn = 24,
    /// `torch.float8_e5m2fnuz`
    Float8e5m2fnuz = 25,
    /// `torch.float8_e4m3fnuz`
    Float8e4m3fnuz = 26,
    /// `torch.uint16`
    Uint16 = 27,
    /// `torch.uint32`
    Uint32 = 28,
    /// `torch.uint64`
    Uint64 = 29,
    /// `torch.uint1` … `torch.uint7` and `torch.int1` … `torch.int7` (sub-byte, shell types)
    Uint1 = 30,
    #[allow(missing_docs)]
    Uint2 = 31,
    #[allow(missing_docs)]
    Uint3 = 32,
    #[allow(missing_docs)]
    Uint4 = 33,
    #[allow(missing_docs)]
    Uint5 = 34,
    #[allow(missing_docs)]
    Uint6 = 35,
    #[allow(missing_docs)]
    Uint7 = 36,
    #[allow(missing_docs)]
    Int1 = 37,
    #[allow(missing_docs)]
    Int2 = 38,
    #[allow(missing_docs)]
    Int3 = 39,
    #[allow(missing_docs)]
    Int4 = 40,
    #[allow(missing_docs)]
    Int5 = 41,
    #[allow(missing_docs)]
    Int6 = 42,
    #[allow(missing_docs)]
    Int7 = 43,
    /// `torch.float8_e8m0fnu`
    Float8e8m0fnu = 44,
    /// `torch.float4_e2m1fn_x2`
    Float4e2m1fnX2 = 45,
}

const ALL: [Kind; 46] = {
    use Kind::*;
    [
        Uint8,
        Int8,
        Int16,
        Int,
        Int64,
        Half,
        Float,
        Double,
        ComplexHalf,
        ComplexFloat,
        ComplexDouble,
        Bool,
        QInt8,
        QUInt8,
        QInt32,
        BFloat16,
        QUInt4x2,
        QUInt2x4,
        Bits1x8,
        Bits2x4,
        Bits4x2,
        Bits8,
        Bits16,
        Float8e5m2,
        Float8e4m3fn,
        Float8e5m2fnuz,
        Float8e4m3fnuz,
        Uint16,
        Uint32,
        Uint64,
        Uint1,
        Uint2,
        Uint3,
        Uint4,
        Uint5,
        Uint6,
        Uint7,
        Int1,
        Int2,
        Int3,
        Int4,
        Int5,
        Int6,
        Int7,
        Float8e8m0fnu,
        Float4e2m1fnX2,
    ]
};

impl Kind {
    /// `torch.float32`, PyTorch's default floating type.
    pub const FLOAT32: Kind = Kind::Float;
    /// `torch.int64`, the type of indices.
    pub const LONG: Kind = Kind::Int64;

    /// Every kind, in code order.
    pub fn all() -> &'static [Kind] {
        &ALL
    }

    /// The `c10::ScalarType` code.
    pub fn to_ffi(self) -> i32 {
        self as i32
    }

    /// The kind with a `c10::ScalarType` code; panics on a code libtorch 2.11 does not have
    /// (which a shim never returns).
    pub fn from_ffi(code: i32) -> Kind {
        *ALL.get(code as usize)
            .unwrap_or_else(|| panic!("unknown c10::ScalarType code {code}"))
    }

    /// The kind an operator returned, or an error naming the operator for a code with no kind:
    /// `ScalarType::Undefined`, which e.g. `result_type` returns for undefined tensors.
    pub(crate) fn from_ffi_result(code: i32, op: &'static str) -> crate::Result<Kind> {
        ALL.get(code as usize).copied().ok_or_else(|| {
            crate::Error::invalid(
                op,
                format!(
                    "libtorch returned ScalarType code {code}, which is no dtype \
                     (ScalarType::Undefined: are the inputs defined?)"
                ),
            )
        })
    }

    /// Bytes per element (0 for the sub-byte and bit types whose size is not a whole byte).
    pub fn elt_size_in_bytes(self) -> usize {
        use Kind::*;
        match self {
            Uint8 | Int8 | Bool | QInt8 | QUInt8 | QUInt4x2 | QUInt2x4 | Bits1x8 | Bits2x4
            | Bits4x2 | Bits8 | Float8e5m2 | Float8e4m3fn | Float8e5m2fnuz | Float8e4m3fnuz
            | Float8e8m0fnu | Float4e2m1fnX2 => 1,
            Int16 | Half | BFloat16 | Bits16 | Uint16 => 2,
            Int | Float | QInt32 | Uint32 | ComplexHalf => 4,
            Int64 | Double | ComplexFloat | Uint64 => 8,
            ComplexDouble => 16,
            _ => 0,
        }
    }

    /// Whether tensors of this kind keep their elements as whole bytes that can be copied in and
    /// out as they are ([`crate::Tensor::from_bytes`], files): every kind but the quantized ones
    /// (whose meaning needs a scale and zero point) and the sub-byte ones.
    pub fn has_plain_storage(self) -> bool {
        self.elt_size_in_bytes() > 0 && !self.is_quantized()
    }

    /// A quantized kind (`qint8`, `quint8`, `qint32`, `quint4x2`, `quint2x4`), as
    /// `Tensor.is_quantized` tells of a tensor.
    pub fn is_quantized(self) -> bool {
        use Kind::*;
        matches!(self, QInt8 | QUInt8 | QInt32 | QUInt4x2 | QUInt2x4)
    }

    /// Floating point (including half, bfloat16 and the float8 types).
    pub fn is_floating_point(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Half | Float
                | Double
                | BFloat16
                | Float8e5m2
                | Float8e4m3fn
                | Float8e5m2fnuz
                | Float8e4m3fnuz
                | Float8e8m0fnu
        )
    }

    /// Complex.
    pub fn is_complex(self) -> bool {
        matches!(
            self,
            Kind::ComplexHalf | Kind::ComplexFloat | Kind::ComplexDouble
        )
    }

    /// PyTorch's name, as `torch.float32` prints (`"float32"`).
    pub fn name(self) -> &'static str {
        use Kind::*;
        match self {
            Uint8 => "uint8",
            Int8 => "int8",
            Int16 => "int16",
            Int => "int32",
            Int64 => "int64",
            Half => "float16",
            Float => "float32",
            Double => "float64",
            ComplexHalf => "complex32",
            ComplexFloat => "complex64",
            ComplexDouble => "complex128",
            Bool => "bool",
            QInt8 => "qint8",
            QUInt8 => "quint8",
            QInt32 => "qint32",
            BFloat16 => "bfloat16",
            QUInt4x2 => "quint4x2",
            QUInt2x4 => "quint2x4",
            Bits1x8 => "bits1x8",
            Bits2x4 => "bits2x4",
            Bits4x2 => "bits4x2",
            Bits8 => "bits8",
            Bits16 => "bits16",
            Float8e5m2 => "float8_e5m2",
            Float8e4m3fn => "float8_e4m3fn",
            Float8e5m2fnuz => "float8_e5m2fnuz",
            Float8e4m3fnuz => "float8_e4m3fnuz",
            Uint16 => "uint16",
            Uint32 => "uint32",
            Uint64 => "uint64",
            Uint1 => "uint1",
            Uint2 => "uint2",
            Uint3 => "uint3",
            Uint4 => "uint4",
            Uint5 => "uint5",
            Uint6 => "uint6",
            Uint7 => "uint7",
            Int1 => "int1",
            Int2 => "int2",
            Int3 => "int3",
            Int4 => "int4",
            Int5 => "int5",
            Int6 => "int6",
            Int7 => "int7",
            Float8e8m0fnu => "float8_e8m0fnu",
            Float4e2m1fnX2 => "float4_e2m1fn_x2",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = crate::Error;
    /// PyTorch's dtype names, with or without `torch.`, aliases included: `"float32"`,
    /// `"torch.float"`, `"long"`, `"half"`, `"cfloat"`, ...
    fn from_str(s: &str) -> crate::Result<Kind> {
        let name = s.strip_prefix("torch.").unwrap_or(s);
        let alias = match name {
            "float" => Some(Kind::Float),
            "double" => Some(Kind::Double),
            "half" => Some(Kind::Half),
            "long" => Some(Kind::Int64),
            "int" => Some(Kind::Int),
            "short" => Some(Kind::Int16),
            "cfloat" => Some(Kind::ComplexFloat),
            "cdouble" => Some(Kind::ComplexDouble),
            "chalf" => Some(Kind::ComplexHalf),
            _ => None,
        };
        alias
            .or_else(|| ALL.iter().copied().find(|k| k.name() == name))
            .ok_or_else(|| crate::Error::invalid("Kind::from_str", format!("no dtype named `{s}`")))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "torch.{}", self.name())
    }
}

//! [`open_enum!`](crate::open_enum): the one macro for the providers' open enums (statuses,
//! codes, currencies): the documented values as variants, anything else kept as
//! `Unknown(String)`, so a value the provider adds later is carried, never refused.

/// How a wire value is compared with the documented ones.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Match {
    /// Byte for byte (the docs say the case matters).
    Exact,
    /// ASCII case-insensitively.
    IgnoreCase,
    /// After trimming white space (numbers sent as text or as numbers).
    Trimmed,
}

#[doc(hidden)]
pub fn wire_matches(received: &str, documented: &str, how: Match) -> bool {
    match how {
        Match::Exact => received == documented,
        Match::IgnoreCase => received.eq_ignore_ascii_case(documented),
        Match::Trimmed => received.trim() == documented,
    }
}

/// Generates an open enum: the documented wire values as variants plus `Unknown(String)` with
/// the value as received; `as_str`, `parse` (never fails), `Display` (the wire value),
/// `FromStr`, `From<&str>`, serde `Serialize` / `Deserialize` as the wire string (the calling
/// crate depends on `serde`), and `is_final` when a `final: [..]` list is given. The comparison
/// is `Exact`, `IgnoreCase` or `Trimmed`.
///
/// ```
/// payhub_runtime::open_enum! {
///     /// An order status.
///     pub enum Status (Exact) {
///         /// Paid.
///         Success = "SUCCESS",
///         /// Waiting.
///         Paying = "PAYING",
///     }
///     final: [Success]
/// }
/// assert_eq!(Status::parse("SUCCESS"), Status::Success);
/// assert_eq!(Status::parse("success"), Status::Unknown("success".into()));
/// assert!(Status::Success.is_final() && !Status::parse("NEW").is_final());
/// assert_eq!("PAYING".parse::<Status>().unwrap().to_string(), "PAYING");
///
/// // With the provider's wording: `meaning()`, and `Display` as "value (meaning)".
/// payhub_runtime::open_enum! {
///     /// A code.
///     pub enum Code (Trimmed) {
///         /// 1: waiting.
///         Waiting = "1" => "待充值 (waiting)",
///     }
///     unknown => "未知 (not documented)";
/// }
/// assert_eq!(Code::parse(" 1 ").to_string(), "1 (待充值 (waiting))");
/// assert_eq!(Code::parse("9").meaning(), "未知 (not documented)");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($how:ident) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
        $( final: [$($final:ident),* $(,)?] )?
    ) => {
        $crate::open_enum! {
            $(#[$meta])*
            $vis enum $name ($how) {
                $( $(#[$vmeta])* $variant = $wire, )+
            }
            $( final: [$($final),*] )?
            @display_wire
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($how:ident) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal => $meaning:literal, )+
        }
        unknown => $unknown:literal;
        $( final: [$($final:ident),* $(,)?] )?
    ) => {
        $crate::open_enum! {
            $(#[$meta])*
            $vis enum $name ($how) {
                $( $(#[$vmeta])* $variant = $wire, )+
            }
            $( final: [$($final),*] )?
            @display_with_meaning
        }

        impl $name {
            /// The provider's meaning of the value (its documented wording, with a gloss).
            pub fn meaning(&self) -> &'static str {
                match self {
                    $( Self::$variant => $meaning, )+
                    Self::Unknown(_) => $unknown,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{} ({})", self.as_str(), self.meaning())
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($how:ident) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
        $( final: [$($final:ident),* $(,)?] )?
        @$display:ident
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value the docs do not list, exactly as received. Never final: query again.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Reads a wire value; a value the docs do not list is kept as `Unknown`.
            pub fn parse(text: &str) -> Self {
                $(
                    if $crate::open_enum::wire_matches(text, $wire, $crate::open_enum::Match::$how) {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(text.to_owned())
            }

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s,
                }
            }

            /// Whether this is a value the docs do not list.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }

            $(
                /// Whether the state will not change any more.
                pub fn is_final(&self) -> bool {
                    matches!(self, $(Self::$final)|*)
                }
            )?
        }

        $crate::open_enum!(@display $display $name);

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::parse(&text))
            }
        }
    };
    (@display display_wire $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@display display_with_meaning $name:ident) => {};
}

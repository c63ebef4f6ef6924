//! The five providers as the CLI names them, and what every provider module offers: its
//! settings, its create flags, and `create` / `query` / `sign` / `verify_notify`.

mod gateway_recharge;
mod jiuyi_dc;
mod paydesk;
mod tokenpay;
mod vipcharge;

use std::fmt;

use payhub::paydesk::PreparedRequest;

use crate::credentials::{CredentialArgs, Credentials, Profile, Setting};
use crate::error::{CliError, EXIT_OUTCOME_UNKNOWN};
use crate::fields::{Fields, Hint, Source};
use crate::output::Record;

/// A provider, by its crate name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Provider {
    /// WinPay collection orders (crate `gateway-recharge`).
    #[value(name = "gateway-recharge", alias = "gateway_recharge")]
    GatewayRecharge,
    /// 91 card direct recharge (crate `jiuyi-dc`).
    #[value(name = "jiuyi-dc", alias = "jiuyi_dc")]
    JiuyiDc,
    /// Cashy hosted cashier (crate `paydesk`).
    Paydesk,
    /// TokenPay crypto collection (crate `tokenpay`).
    Tokenpay,
    /// The redemption open API, VIP direct recharge (crate `vipcharge`).
    Vipcharge,
}

impl Provider {
    /// Every provider.
    pub(crate) const ALL: [Self; 5] = [
        Self::GatewayRecharge,
        Self::JiuyiDc,
        Self::Paydesk,
        Self::Tokenpay,
        Self::Vipcharge,
    ];

    /// The crate name, e.g. `gateway-recharge`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::GatewayRecharge => "gateway-recharge",
            Self::JiuyiDc => "jiuyi-dc",
            Self::Paydesk => "paydesk",
            Self::Tokenpay => "tokenpay",
            Self::Vipcharge => "vipcharge",
        }
    }

    /// The provider of a config table named `name` (`gateway-recharge` or `gateway_recharge`).
    pub(crate) fn from_table_name(name: &str) -> Option<Self> {
        let norm = name.replace('_', "-");
        [
            Self::GatewayRecharge,
            Self::JiuyiDc,
            Self::Paydesk,
            Self::Tokenpay,
            Self::Vipcharge,
        ]
        .into_iter()
        .find(|p| p.name() == norm)
    }

    /// The settings (credentials, base URL) the provider reads.
    pub(crate) fn settings(self) -> &'static [Setting] {
        match self {
            Self::GatewayRecharge => gateway_recharge::SETTINGS,
            Self::JiuyiDc => jiuyi_dc::SETTINGS,
            Self::Paydesk => paydesk::SETTINGS,
            Self::Tokenpay => tokenpay::SETTINGS,
            Self::Vipcharge => vipcharge::SETTINGS,
        }
    }

    /// The provider as [`Credentials`] see it: its name, its settings, and the keys of its
    /// config table (the registry adapter's settings).
    pub(crate) fn profile(self) -> Profile {
        Profile {
            name: self.name(),
            settings: self.settings(),
            keys: payhub::Hub::default()
                .adapter(self.hub())
                .map_or(&[], |a| a.settings()),
        }
    }

    /// The facade's name for the provider.
    pub(crate) fn hub(self) -> payhub::Provider {
        match self {
            Self::GatewayRecharge => payhub::Provider::GatewayRecharge,
            Self::JiuyiDc => payhub::Provider::JiuyiDc,
            Self::Paydesk => payhub::Provider::Paydesk,
            Self::Tokenpay => payhub::Provider::Tokenpay,
            Self::Vipcharge => payhub::Provider::Vipcharge,
        }
    }

    /// Loads the credentials of the provider's account `--merchant` (its only account without
    /// it): flags, else environment, else the config file (whose tables are checked against
    /// every provider's settings).
    ///
    /// # Errors
    /// As [`Credentials::load`]; several accounts and no `merchant`, or an unknown one, are
    /// usage errors naming the configured accounts.
    pub(crate) fn credentials(self, args: &CredentialArgs) -> Result<Credentials, CliError> {
        Credentials::load(self.profile(), &Self::ALL.map(Self::profile), args)
    }

    /// The credentials of every account of the provider.
    ///
    /// # Errors
    /// As [`Credentials::load_all`].
    pub(crate) fn all_credentials(
        self,
        args: &CredentialArgs,
    ) -> Result<Vec<Credentials>, CliError> {
        Credentials::load_all(self.profile(), &Self::ALL.map(Self::profile), args)
    }

    /// The base URL the provider's client uses (configured, else the crate's default), for
    /// messages.
    pub(crate) fn base_url(self, creds: &Credentials) -> Option<String> {
        creds.get("base_url").ok().flatten().or_else(|| {
            (self == Self::Tokenpay).then(|| payhub::tokenpay::DEFAULT_BASE_URL.to_owned())
        })
    }

    /// `(flag, wire field)` for the create flags the provider's create request has.
    pub(crate) fn create_flags(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::GatewayRecharge => gateway_recharge::CREATE_FLAGS,
            Self::JiuyiDc => jiuyi_dc::CREATE_FLAGS,
            Self::Paydesk => paydesk::CREATE_FLAGS,
            Self::Tokenpay => tokenpay::CREATE_FLAGS,
            Self::Vipcharge => vipcharge::CREATE_FLAGS,
        }
    }

    /// Creates an order from `fields` and returns the typed reply.
    ///
    /// # Errors
    /// Missing credentials, a bad field, or the provider's typed error (exit code 2 when the
    /// outcome is unknown).
    pub(crate) async fn create(
        self,
        creds: &Credentials,
        fields: Fields,
    ) -> Result<Record, CliError> {
        match self {
            Self::GatewayRecharge => gateway_recharge::create(creds, fields).await,
            Self::JiuyiDc => jiuyi_dc::create(creds, fields).await,
            Self::Paydesk => paydesk::create(creds, fields).await,
            Self::Tokenpay => tokenpay::create(creds, fields).await,
            Self::Vipcharge => vipcharge::create(creds, fields).await,
        }
    }

    /// Queries (reconciles) an order by the merchant order number.
    ///
    /// # Errors
    /// Missing credentials, an unknown order, or the provider's typed error.
    pub(crate) async fn query(
        self,
        creds: &Credentials,
        order_no: &str,
        kind: QueryKind,
    ) -> Result<Record, CliError> {
        match self {
            Self::GatewayRecharge => gateway_recharge::query(creds, order_no, kind).await,
            Self::JiuyiDc => jiuyi_dc::query(creds, order_no, kind).await,
            Self::Paydesk => paydesk::query(creds, order_no, kind).await,
            Self::Tokenpay => tokenpay::query(creds, order_no, kind).await,
            Self::Vipcharge => vipcharge::query(creds, order_no, kind).await,
        }
    }

    /// Prepares (validates, serializes, signs) the request described by `fields`, without I/O.
    ///
    /// # Errors
    /// Missing credentials, a bad field, or the provider's validation error.
    pub(crate) fn sign(
        self,
        creds: &mut Credentials,
        fields: Fields,
        op: Op,
        fixed: &Fixed,
    ) -> Result<Signed, CliError> {
        match self {
            Self::GatewayRecharge => gateway_recharge::sign(creds, fields, op, fixed),
            Self::JiuyiDc => jiuyi_dc::sign(creds, fields, op, fixed),
            Self::Paydesk => paydesk::sign(creds, fields, op, fixed),
            Self::Tokenpay => tokenpay::sign(creds, fields, op, fixed),
            Self::Vipcharge => vipcharge::sign(creds, fields, op, fixed),
        }
    }

    /// Verifies a callback on its raw bytes.
    ///
    /// # Errors
    /// Missing credentials or the provider's typed notify error.
    pub(crate) fn verify_notify(
        self,
        creds: &Credentials,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Verified, CliError> {
        match self {
            Self::GatewayRecharge => gateway_recharge::verify_notify(creds, headers, body),
            Self::JiuyiDc => jiuyi_dc::verify_notify(creds, headers, body),
            Self::Paydesk => paydesk::verify_notify(creds, headers, body),
            Self::Tokenpay => tokenpay::verify_notify(creds, headers, body),
            Self::Vipcharge => vipcharge::verify_notify(creds, headers, body),
        }
    }
}

/// The fields and acknowledgement of a callback the registry verified.
///
/// # Errors
/// The notification is not `provider`'s (the registry routed it elsewhere).
pub(crate) fn verified(
    provider: Provider,
    notification: payhub::Notification,
) -> Result<Verified, CliError> {
    Ok(match (provider, notification) {
        (Provider::GatewayRecharge, payhub::Notification::GatewayRecharge(n)) => {
            gateway_recharge::verified(n)
        }
        (Provider::JiuyiDc, payhub::Notification::JiuyiDc(n)) => jiuyi_dc::verified(n),
        (Provider::Paydesk, payhub::Notification::Paydesk(n)) => paydesk::verified(n),
        (Provider::Tokenpay, payhub::Notification::Tokenpay(n)) => tokenpay::verified(*n),
        (Provider::Vipcharge, payhub::Notification::Vipcharge(n)) => vipcharge::verified(n),
        (p, n) => {
            return Err(CliError::new(format!(
                "{p}: the registry returned a {} notification",
                n.provider()
            )));
        }
    })
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which kind of order `query` asks about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum QueryKind {
    /// The provider's own order kind: paydesk cashier, tokenpay collection order, the direct
    /// recharge of jiuyi-dc and vipcharge, the gateway-recharge deposit query.
    #[default]
    Order,
    /// paydesk payin (`/api/payInQuery`).
    Payin,
    /// paydesk or tokenpay payout.
    Payout,
}

impl QueryKind {
    /// Refuses a kind the provider does not have.
    ///
    /// # Errors
    /// `kind` is not [`QueryKind::Order`] and not in `allowed`.
    pub(crate) fn check(self, provider: Provider, allowed: &[QueryKind]) -> Result<(), CliError> {
        if self == Self::Order || allowed.contains(&self) {
            Ok(())
        } else {
            let name = clap::ValueEnum::to_possible_value(&self)
                .map_or_else(|| format!("{self:?}"), |v| v.get_name().to_owned());
            Err(CliError::usage(format!(
                "{provider} has no `--kind {name}` query"
            )))
        }
    }
}

/// Which request `sign` builds from the input fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Op {
    /// The create request `payhub create` sends.
    #[default]
    Create,
    /// The query request `payhub query` sends.
    Query,
}

/// A fixed clock and nonce for reproducible signatures (`sign --timestamp --nonce`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Fixed {
    /// The timestamp as the provider signs it (milliseconds, or seconds for jiuyi-dc).
    pub(crate) timestamp: Option<i64>,
    /// The nonce.
    pub(crate) nonce: Option<String>,
}

impl Fixed {
    /// Takes a timestamp field of the input (`time`, `datetime`) as the fixed timestamp.
    ///
    /// # Errors
    /// Not an integer, or different from `--timestamp`.
    pub(crate) fn timestamp_from_input(
        &mut self,
        fields: &mut Fields,
        name: &str,
    ) -> Result<(), CliError> {
        let Some(given) = fields.parse::<i64>(name, "an integer timestamp")? else {
            return Ok(());
        };
        match self.timestamp {
            Some(t) if t != given => Err(CliError::new(format!(
                "the input's `{name}` is {given} but --timestamp is {t}"
            ))),
            _ => {
                self.timestamp = Some(given);
                Ok(())
            }
        }
    }

    /// Refuses `--timestamp` / `--nonce` for a provider that signs neither.
    ///
    /// # Errors
    /// Either is given.
    pub(crate) fn refuse(
        &self,
        provider: Provider,
        timestamp: bool,
        nonce: bool,
    ) -> Result<(), CliError> {
        if !timestamp && self.timestamp.is_some() {
            return Err(CliError::usage(format!(
                "{provider} signs no timestamp (--timestamp)"
            )));
        }
        if !nonce && self.nonce.is_some() {
            return Err(CliError::usage(format!(
                "{provider} signs no nonce (--nonce)"
            )));
        }
        Ok(())
    }
}

/// A prepared request and its signature. `PreparedRequest` is the shared runtime's type, which
/// every provider crate re-exports.
#[derive(Debug)]
pub(crate) struct Signed {
    /// The exact wire request.
    pub(crate) prepared: PreparedRequest,
    /// The signature as sent.
    pub(crate) signature: String,
    /// A signature given in the input (`sign` field), to compare.
    pub(crate) given: Option<String>,
}

/// Takes an identity field the client fills in itself (a merchant id in a sign input): it is
/// used as the credential when none is configured, and must match it otherwise.
pub(crate) fn take_identity(
    fields: &mut Fields,
    name: &str,
    creds: &mut Credentials,
    key: &'static str,
) -> Option<String> {
    let value = fields.take(name)?;
    creds.fallback(key, value.clone());
    Some(value)
}

/// Checks an identity field of the input against the configured credential.
///
/// # Errors
/// They differ.
pub(crate) fn check_identity(
    name: &str,
    given: Option<&str>,
    configured: &str,
) -> Result<(), CliError> {
    match given {
        Some(g) if g != configured => Err(CliError::new(format!(
            "the input's `{name}` is `{g}` but the configured value is `{configured}`"
        ))),
        _ => Ok(()),
    }
}

/// The base URL for a client that only prepares requests (`sign`): the configured one, else a
/// loopback placeholder (it does not appear in the signed request).
///
/// # Errors
/// A malformed config file.
pub(crate) fn sign_base_url(creds: &Credentials) -> Result<String, CliError> {
    Ok(creds
        .get("base_url")?
        .unwrap_or_else(|| "http://127.0.0.1:1".to_owned()))
}

/// Maps a provider error to a CLI error: its kind (the variant of the provider crate's `Error`,
/// for `--json`), exit code 2 when `unknown` (the outcome of a create is unknown). The library's
/// advice to call `Client::reconcile` is left out: the command adds the CLI's own
/// (`payhub query PROVIDER ORDER`, see [`query_hint`]).
pub(crate) fn fail(
    provider: Provider,
    error: &(dyn std::error::Error + 'static),
    unknown: bool,
) -> CliError {
    let mut text = crate::error::chain(error);
    for advice in LIBRARY_ADVICE {
        text = text.replace(advice, "");
    }
    let e = CliError::new(format!("{provider}: {text}")).with_kind(error_kind(error));
    if unknown {
        e.with_code(EXIT_OUTCOME_UNKNOWN)
            .with_kind("outcome_unknown")
    } else {
        e
    }
}

/// What the provider crates' errors advise a library user; the CLI says it its own way.
const LIBRARY_ADVICE: &[&str] = &[
    "; reconcile before resending",
    "; the request was not resent: reconcile the order before retrying",
    "; it was not resent, query it before retrying",
    "; it may have been carried out: query it (Client::reconcile) before sending it again",
    "; query the order (Client::reconcile), do not resend",
    "; the order may exist: query it (Client::reconcile)",
];

/// The advice for an unknown outcome, as a CLI command.
pub(crate) fn query_hint(provider: Provider, order_no: Option<&str>) -> String {
    format!(
        "the order may exist: run `payhub query {provider} {}` before sending it again",
        order_no.unwrap_or("ORDER_NO")
    )
}

/// The provider crate's error variant, the same names in all five crates.
fn error_kind(error: &(dyn std::error::Error + 'static)) -> &'static str {
    macro_rules! kinds {
        ($($t:ty),*) => {$(
            if let Some(e) = error.downcast_ref::<$t>() {
                type E = $t;
                return match e {
                    E::Config { .. } => "config",
                    E::Validation { .. } => "validation",
                    E::Transport { .. } => "transport",
                    E::OutcomeUnknown { .. } => "outcome_unknown",
                    E::Decode { .. } => "decode",
                    E::Api { .. } => "api",
                    E::Signature { .. } => "signature",
                    E::Notify { .. } => "notify",
                    _ => "error",
                };
            }
        )*};
    }
    kinds!(
        payhub::gateway_recharge::Error,
        payhub::jiuyi_dc::Error,
        payhub::paydesk::Error,
        payhub::tokenpay::Error,
        payhub::vipcharge::Error
    );
    "error"
}

/// `host:port` of a base URL (the scheme's default port when none is written).
pub(crate) fn host_port(base_url: &str) -> Option<String> {
    let uri = base_url.trim().parse::<http::Uri>().ok()?;
    let host = uri.host()?;
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })?;
    Some(format!("{host}:{port}"))
}

/// Names the server in a connection error (`could not connect to 127.0.0.1:9`): the
/// library's transport errors leave the URL out, the CLI knows which one it used.
pub(crate) fn name_server(error: CliError, base_url: Option<&str>) -> CliError {
    match base_url.and_then(host_port) {
        Some(addr)
            if error.kind() == "transport" || error.to_string().contains("could not connect") =>
        {
            error.map_message(|m| {
                if m.contains("could not connect") {
                    m.replacen(
                        "could not connect",
                        &format!("could not connect to {addr}"),
                        1,
                    )
                } else {
                    format!("{m} (server {addr})")
                }
            })
        }
        _ => error,
    }
}

/// The fields of `--set` / flags as wire fields of `provider`'s create request.
///
/// # Errors
/// A flag the provider's create request does not have.
pub(crate) fn create_fields(
    provider: Provider,
    flags: Vec<(&'static str, String)>,
    sets: &[String],
) -> Result<Fields, CliError> {
    let mut fields = Fields::new().with_hint(Hint::Create {
        provider: provider.name(),
        flags: provider.create_flags(),
    });
    for (flag, value) in flags {
        let Some((_, wire)) = provider.create_flags().iter().find(|(f, _)| *f == flag) else {
            let usable: Vec<String> = provider
                .create_flags()
                .iter()
                .map(|(f, _)| format!("--{f}"))
                .collect();
            return Err(CliError::usage(format!(
                "--{flag} does not apply to {provider} (its create flags: {}; other fields with --set)",
                usable.join(", ")
            )));
        };
        fields.add(*wire, value, Source::Flag(flag))?;
    }
    fields.add_sets(sets)?;
    Ok(fields)
}

/// The text of a raw JSON value: a string without its quotes, anything else as written.
pub(crate) fn raw_text(raw: &str) -> String {
    if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned())
    } else {
        raw.to_owned()
    }
}

/// A verified callback: its fields, the facade's provider-independent view of it, and the
/// exact acknowledgement to send back.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The provider's typed notification, field by field.
    pub(crate) record: Record,
    /// The same notification in the facade's vocabulary (status, order facts).
    pub(crate) notification: payhub::Notification,
    /// HTTP status, content type and body of the acknowledgement.
    pub(crate) ack: (u16, &'static str, &'static str),
}

/// `yyyy-MM-dd HH:mm:ss` for provider-local times.
pub(crate) fn local_time(t: time::PrimitiveDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&format).unwrap_or_else(|_| t.to_string())
}

/// RFC 3339 for instants.
pub(crate) fn instant(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

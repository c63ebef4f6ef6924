//! tokenpay's currency catalogue: the chains and tokens the sandbox accepts, with their
//! decimals and contracts.

/// One currency of the catalogue.
pub(super) struct Currency {
    pub(super) chain: &'static str,
    pub(super) currency: &'static str,
    pub(super) network: &'static str,
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) decimal: u32,
    pub(super) contract: &'static str,
}

pub(super) const CURRENCIES: [Currency; 7] = [
    Currency {
        chain: "TRON",
        currency: "TRX",
        network: "TRX",
        code: "TRON_TRX",
        name: "TRX",
        decimal: 6,
        contract: "",
    },
    Currency {
        chain: "TRON",
        currency: "USDT",
        network: "TRC20",
        code: "TRON_USDT",
        name: "Tether USD",
        decimal: 6,
        contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    },
    Currency {
        chain: "ETHEREUM",
        currency: "ETH",
        network: "ETH",
        code: "ETHEREUM_ETH",
        name: "Ether",
        decimal: 18,
        contract: "",
    },
    Currency {
        chain: "ETHEREUM",
        currency: "USDT",
        network: "ERC20",
        code: "ETHEREUM_USDT",
        name: "Tether USD",
        decimal: 6,
        contract: "0xdAC17F958D2ee523a2206206994597C13D831ec7",
    },
    Currency {
        chain: "BSC",
        currency: "BNB",
        network: "BNB",
        code: "BINANCE_BNB",
        name: "Binance Coin",
        decimal: 18,
        contract: "",
    },
    Currency {
        chain: "BSC",
        currency: "BUSD",
        network: "BEP20",
        code: "BINANCE_BUSD",
        name: "Binance USD",
        decimal: 18,
        contract: "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56",
    },
    Currency {
        chain: "BSC",
        currency: "USDT",
        network: "BEP20",
        code: "BINANCE_USDT",
        name: "Tether USD",
        decimal: 18,
        contract: "0x55d398326f99059fF775485246999027B3197955",
    },
];

pub(super) fn currency(chain: &str, symbol: &str) -> Option<&'static Currency> {
    CURRENCIES
        .iter()
        .find(|c| c.chain == chain && c.currency == symbol)
}

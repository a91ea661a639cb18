/** Market rules as data: which countries a market serves, where their data lives, whether consent is asked. */
export interface MarketRule {
  countries: string[];
  dataResidency: string;
  consentRequired: boolean;
}

/** Markets as data: `ONBOARDING_MARKETS` (JSON, same shape) replaces these without a code change. */
export const DEFAULT_MARKETS: Record<string, MarketRule> = {
  EU: {
    countries: ["AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL", "PL", "PT", "SE"],
    dataResidency: "eu-west",
    consentRequired: true,
  },
  US: { countries: ["US"], dataResidency: "us-east", consentRequired: false },
};

export function markets(config: Readonly<Record<string, unknown>>): Record<string, MarketRule> {
  const raw = config.ONBOARDING_MARKETS;
  return typeof raw === "string" && raw ? (JSON.parse(raw) as Record<string, MarketRule>) : DEFAULT_MARKETS;
}

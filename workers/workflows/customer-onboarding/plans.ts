/** Plan → Stripe price. */
const PRICES: Record<string, string> = {
  "fiber-500": "price_fiber_500",
  "fiber-1000": "price_fiber_1000",
  mobile: "price_mobile",
};

/** A plan not listed is billed at `price_<plan>`. */
export const priceOf = (plan: string) => PRICES[plan] ?? `price_${plan}`;

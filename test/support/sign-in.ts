/** Signs a browser page in to the dashboard through its real sign-in form. */
import type { Page } from "playwright-core";

export async function signIn(page: Page, dashboardUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${dashboardUrl}/login`, { waitUntil: "networkidle" });
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== "/login", { timeout: 15_000 }),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

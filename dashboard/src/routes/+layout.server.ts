import type { LayoutServerLoad } from "./$types";

/** Every page gets the signed-in person (or null on the sign-in page) for the header and role-aware controls. */
export const load: LayoutServerLoad = async ({ locals }) => ({ user: locals.user });

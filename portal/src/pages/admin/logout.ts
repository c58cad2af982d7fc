import type { APIRoute } from "astro";
import { SESSION_COOKIE } from "../../lib/admin-auth.js";

export const POST: APIRoute = ({ cookies, redirect }) => {
  cookies.delete(SESSION_COOKIE, { path: "/admin" });
  return redirect("/", 303);
};

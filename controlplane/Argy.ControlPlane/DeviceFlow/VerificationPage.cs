namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// The verification_uri page: a person enters (or finds pre-filled from verification_uri_complete) the user
/// code and their API token, sees what is asking (client, device, version, source IP) and must click Approve
/// or Deny; nothing is decided by opening a link, which defeats device-code phishing by URL. The page talks to
/// /api/v1/device with a bearer token (no cookie, so no CSRF), renders device-supplied text as text only, and
/// is served with a strict content security policy and no framing.
/// </summary>
public static class VerificationPage
{
    public const string Path = "/device";

    private const string SecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    public static IEndpointRouteBuilder MapVerificationPage(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup(Path).AllowAnonymous().ExcludeFromDescription();
        page.MapGet("/", (HttpContext context) => Serve(context, Html, "text/html; charset=utf-8"));
        page.MapGet("/app.js", (HttpContext context) => Serve(context, Script, "text/javascript; charset=utf-8"));
        page.MapGet("/app.css", (HttpContext context) => Serve(context, Style, "text/css; charset=utf-8"));
        return app;
    }

    private static IResult Serve(HttpContext context, string content, string contentType) =>
        Security.LockedDownPage.Serve(context, content, contentType, SecurityPolicy);

    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Argy: approve a device</title>
          <link rel="stylesheet" href="/device/app.css">
        </head>
        <body>
        <main>
          <h1>Approve a device</h1>
          <p class="warning">Approve only a request <strong>you started yourself</strong>, on the machine described
          below. Never enter a code that someone sent you: the device that shows it gets access to your tenant.</p>
          <form id="lookup">
            <label>Code shown on the device <input id="code" autocomplete="off" spellcheck="false" maxlength="16" placeholder="BCDF-GHJK" required></label>
            <label>Your API token <input id="token" type="password" autocomplete="off" required></label>
            <button type="submit">Show the request</button>
          </form>
          <section id="request" hidden>
            <h2>What is asking</h2>
            <dl>
              <dt>Client</dt><dd id="client"></dd>
              <dt>Device</dt><dd id="device"></dd>
              <dt>Version</dt><dd id="version"></dd>
              <dt>Source IP</dt><dd id="ip"></dd>
              <dt>Requested name</dt><dd id="requested-name"></dd>
              <dt>Requested tags</dt><dd id="requested-tags"></dd>
              <dt>Expires</dt><dd id="expires"></dd>
            </dl>
            <div id="agent-fields">
              <label>Agent name <input id="name" autocomplete="off"></label>
              <label>Tags <input id="tags" autocomplete="off" placeholder="linux,prod"></label>
            </div>
            <p id="login-note" hidden>Approving a login gives that terminal an API token with <em>your</em> role.</p>
            <button id="approve" type="button">Approve</button>
            <button id="deny" type="button" class="secondary">Deny</button>
          </section>
          <p id="status" role="status"></p>
        </main>
        <script src="/device/app.js"></script>
        </body>
        </html>
        """;

    private const string Script = """
        "use strict";
        (() => {
          const $ = (id) => document.getElementById(id);
          const query = new URLSearchParams(window.location.search);
          if (query.get("user_code")) {
            $("code").value = query.get("user_code");
          }
          // The code leaves the address bar, so it is neither kept in history nor sent on by a later navigation.
          if (window.location.search) {
            window.history.replaceState(null, "", window.location.pathname);
          }

          let current = null;
          const say = (text, isError) => {
            $("status").textContent = text;
            $("status").className = isError ? "error" : "";
          };
          const call = async (method, path, body) => {
            const response = await fetch(path, {
              method,
              headers: { "Authorization": "Bearer " + $("token").value.trim(), "Content-Type": "application/json", "Accept": "application/json" },
              body: body ? JSON.stringify(body) : undefined,
              credentials: "omit",
              cache: "no-store",
            });
            const data = await response.json().catch(() => ({}));
            if (!response.ok) {
              throw new Error(data.detail || data.title || ("HTTP " + response.status));
            }
            return data;
          };
          const finish = (text) => {
            current = null;
            $("request").hidden = true;
            say(text, false);
          };

          $("lookup").addEventListener("submit", async (event) => {
            event.preventDefault();
            current = null;
            $("request").hidden = true;
            try {
              current = await call("GET", "/api/v1/device/requests/" + encodeURIComponent($("code").value.trim()));
              const isAgent = current.clientId === "argy-agent";
              $("client").textContent = current.client + " (" + current.clientId + ")";
              $("device").textContent = (current.hostname || "(no hostname given)") + (current.os ? ", " + current.os + "/" + current.arch : "");
              $("version").textContent = current.version || "(not given)";
              $("ip").textContent = current.sourceIp;
              $("requested-name").textContent = current.requestedName || "(none)";
              $("requested-tags").textContent = (current.requestedTags || []).join(", ") || "(none)";
              $("expires").textContent = new Date(current.expiresAt).toLocaleString();
              $("agent-fields").hidden = !isAgent;
              $("login-note").hidden = isAgent;
              $("name").value = current.requestedName || current.hostname || "";
              $("tags").value = (current.requestedTags || []).join(",");
              $("request").hidden = false;
              say("Check every line above before you decide.", false);
            } catch (error) {
              say(error.message, true);
            }
          });

          $("approve").addEventListener("click", async () => {
            if (!current) {
              return;
            }
            const body = { userCode: current.userCode };
            if (current.clientId === "argy-agent") {
              body.name = $("name").value.trim();
              body.tags = $("tags").value.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
            }
            try {
              const decided = await call("POST", "/api/v1/device/approve", body);
              finish("Approved" + (decided.agentId ? " as agent " + decided.agentId : "") + ". The device finishes on its own within a few seconds.");
            } catch (error) {
              say(error.message, true);
            }
          });

          $("deny").addEventListener("click", async () => {
            if (!current) {
              return;
            }
            try {
              await call("POST", "/api/v1/device/deny", { userCode: current.userCode });
              finish("Denied. The device stops waiting.");
            } catch (error) {
              say(error.message, true);
            }
          });
        })();
        """;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1b1f24; }
        main { max-width: 36rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
        h1 { margin-top: 0; font-size: 1.5rem; }
        label { display: block; margin: .75rem 0; font-weight: 600; }
        input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font: inherit; }
        #code { font-family: ui-monospace, monospace; letter-spacing: .1em; text-transform: uppercase; }
        button { padding: .5rem 1.25rem; font: inherit; font-weight: 600; border: 0; border-radius: 4px; background: #0b5cad; color: #fff; cursor: pointer; margin-right: .5rem; }
        button.secondary { background: #8a1c1c; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
        .warning { background: #fff4e5; border-left: 4px solid #d97706; padding: .75rem; }
        .error { color: #8a1c1c; font-weight: 600; }
        """;
}

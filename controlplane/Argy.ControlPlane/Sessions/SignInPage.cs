namespace Argy.ControlPlane.Sessions;

/// <summary>
/// Where the emailed links land (<c>/activate?token=</c>, <c>/sign-in?token=</c>) until the web console exists.
/// Opening the page uses nothing up: the person clicks the button, which posts the token to the API, so a mail
/// scanner that follows links cannot spend them. The page then shows the session token for the CLI. Strict
/// content security policy, no framing, no referrer (the token is in the URL).
/// </summary>
public static class SignInPage
{
    private const string SecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    public static IEndpointRouteBuilder MapSignInPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/").AllowAnonymous().ExcludeFromDescription();
        pages.MapGet("/activate", (HttpContext context) => Serve(context, Html("Activate your Argy account", "Activate and sign in", "/api/v1/auth/activate"), "text/html"));
        pages.MapGet("/sign-in", (HttpContext context) => Serve(context, Html("Sign in to Argy", "Sign in", "/api/v1/auth/magic-link/redeem"), "text/html"));
        pages.MapGet("/sign-in.js", (HttpContext context) => Serve(context, Script, "text/javascript"));
        pages.MapGet("/sign-in.css", (HttpContext context) => Serve(context, Style, "text/css"));
        return app;
    }

    private static IResult Serve(HttpContext context, string content, string contentType) =>
        Security.LockedDownPage.Serve(context, content, contentType + "; charset=utf-8", SecurityPolicy);

    private static string Html(string title, string button, string endpoint) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{title}}</title>
          <link rel="stylesheet" href="/sign-in.css">
        </head>
        <body>
        <main>
          <h1>{{title}}</h1>
          <p>The link works once. Continue only if you asked for it.</p>
          <button id="go" data-endpoint="{{endpoint}}">{{button}}</button>
          <p id="error" role="alert" hidden></p>
          <section id="done" hidden>
            <p>Signed in as <strong id="who"></strong>. The session token below is valid until <span id="until"></span>;
            use it with the CLI:</p>
            <pre id="export"></pre>
          </section>
        </main>
        <script src="/sign-in.js"></script>
        </body>
        </html>
        """;

    private const string Script = """
        "use strict";
        const button = document.getElementById("go");
        const token = new URLSearchParams(window.location.search).get("token") || "";
        history.replaceState(null, "", window.location.pathname);
        button.addEventListener("click", async () => {
          button.disabled = true;
          const error = document.getElementById("error");
          error.hidden = true;
          try {
            const response = await fetch(button.dataset.endpoint, {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ token }),
            });
            const body = await response.json();
            if (!response.ok) {
              error.textContent = body.detail || body.title || ("HTTP " + response.status);
              error.hidden = false;
              return;
            }
            document.getElementById("who").textContent = body.user.email;
            document.getElementById("until").textContent = new Date(body.expiresAt).toLocaleString();
            document.getElementById("export").textContent = "export ARGY_TOKEN=" + body.accessToken;
            document.getElementById("done").hidden = false;
            button.hidden = true;
          } catch (e) {
            error.textContent = "The control plane could not be reached.";
            error.hidden = false;
            button.disabled = false;
          }
        });
        """;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
        main { max-width: 40rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.1); }
        button { font-size: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: 6px; background: #2451c7; color: #fff; cursor: pointer; }
        button:disabled { opacity: .6; }
        #error { color: #a11; }
        pre { white-space: pre-wrap; word-break: break-all; background: #f0f2f5; padding: .8rem; border-radius: 6px; }
        """;
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Argy.Tests.Shared;

/// <summary>Identity provider metadata as an IdP (Entra, Okta) publishes it, with a freshly made signing certificate.</summary>
public static class SamlSample
{
    public static string IdpMetadata(string entityId = "https://idp.example.test/saml")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=idp.example.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        var der = Convert.ToBase64String(certificate.Export(X509ContentType.Cert));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entityId}">
              <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
                <KeyDescriptor use="signing">
                  <KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{der}</X509Certificate></X509Data></KeyInfo>
                </KeyDescriptor>
                <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/saml/sso"/>
              </IDPSSODescriptor>
            </EntityDescriptor>
            """;
    }
}

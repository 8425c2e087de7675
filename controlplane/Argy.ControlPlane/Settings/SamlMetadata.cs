using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace Argy.ControlPlane.Settings;

public sealed record SamlCertificate(string Subject, DateTimeOffset NotAfter, string Thumbprint);

public sealed record SamlIdentityProvider(string EntityId, string SsoUrl, IReadOnlyList<SamlCertificate> Certificates);

/// <summary>Reads an identity provider's SAML 2.0 metadata and writes the service provider's own.</summary>
public static class SamlMetadata
{
    public const string MetadataNamespace = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string SignatureNamespace = "http://www.w3.org/2000/09/xmldsig#";
    public const int MaxBytes = 512 * 1024;

    /// <summary>Parses IdP metadata without resolving DTDs or external entities; null with a reason when it is not usable.</summary>
    public static SamlIdentityProvider? TryParse(string xml, out string? error)
    {
        error = null;
        if (Encoding.UTF8.GetByteCount(xml) > MaxBytes)
        {
            error = "metadataXml is larger than 512 KiB.";
            return null;
        }

        var document = new XmlDocument { XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document.Load(reader);
        }
        catch (XmlException e)
        {
            error = $"metadataXml is not well-formed XML: {e.Message}";
            return null;
        }

        var names = new XmlNamespaceManager(document.NameTable);
        names.AddNamespace("md", MetadataNamespace);
        names.AddNamespace("ds", SignatureNamespace);
        var entity = document.SelectSingleNode("/md:EntityDescriptor", names) as XmlElement
            ?? document.SelectSingleNode("/md:EntitiesDescriptor/md:EntityDescriptor[md:IDPSSODescriptor]", names) as XmlElement;
        var idp = entity?.SelectSingleNode("md:IDPSSODescriptor", names) as XmlElement;
        if (entity is null || idp is null || string.IsNullOrWhiteSpace(entity.GetAttribute("entityID")))
        {
            error = "metadataXml has no EntityDescriptor with an entityID and an IDPSSODescriptor.";
            return null;
        }

        var sso = idp.SelectNodes("md:SingleSignOnService", names)!.OfType<XmlElement>()
            .OrderBy(s => s.GetAttribute("Binding").EndsWith("HTTP-Redirect", StringComparison.Ordinal) ? 0 : 1)
            .Select(s => s.GetAttribute("Location"))
            .FirstOrDefault(l => Uri.TryCreate(l, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps);
        if (sso is null)
        {
            error = "metadataXml has no SingleSignOnService with an https:// Location.";
            return null;
        }

        var certificates = new List<SamlCertificate>();
        foreach (XmlElement key in idp.SelectNodes("md:KeyDescriptor[not(@use) or @use='signing']", names)!)
        {
            foreach (XmlElement data in key.SelectNodes(".//ds:X509Certificate", names)!)
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(string.Concat(data.InnerText.Where(c => !char.IsWhiteSpace(c)))));
                    certificates.Add(new SamlCertificate(certificate.Subject, certificate.NotAfter.ToUniversalTime(), certificate.Thumbprint));
                }
                catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
                {
                    error = "metadataXml has a signing certificate that is not a valid base64 X.509 certificate.";
                    return null;
                }
            }
        }

        if (certificates.Count == 0)
        {
            error = "metadataXml has no signing certificate (KeyDescriptor with an X509Certificate).";
            return null;
        }

        return new SamlIdentityProvider(entity.GetAttribute("entityID"), sso, certificates);
    }

    /// <summary>The service provider metadata to give the identity provider.</summary>
    public static string ServiceProvider(string entityId, string acsUrl)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            writer.WriteStartElement("md", "EntityDescriptor", MetadataNamespace);
            writer.WriteAttributeString("entityID", entityId);
            writer.WriteStartElement("md", "SPSSODescriptor", MetadataNamespace);
            writer.WriteAttributeString("AuthnRequestsSigned", "false");
            writer.WriteAttributeString("WantAssertionsSigned", "true");
            writer.WriteAttributeString("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol");
            writer.WriteElementString("md", "NameIDFormat", MetadataNamespace, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
            writer.WriteStartElement("md", "AssertionConsumerService", MetadataNamespace);
            writer.WriteAttributeString("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
            writer.WriteAttributeString("Location", acsUrl);
            writer.WriteAttributeString("index", "0");
            writer.WriteAttributeString("isDefault", "true");
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

namespace Argy.Packaging.Tests;

public sealed class KubernetesManifestTests
{
    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

    public static TheoryData<string> Kustomizations => new() { "base", "overlays/production" };

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_workload_runs_as_uid_1001_without_privileges_on_a_read_only_root(string kustomization)
    {
        var workloads = KubernetesManifests.Render(kustomization).Where(r => WorkloadKinds.Contains(r.Kind())).ToList();

        workloads.Select(w => w.Name()).Should().Contain(["argy-controlplane", "argy-agent"]);
        foreach (var workload in workloads)
        {
            var pod = PodSpec(workload);
            var because = $"{workload.Kind()} {workload.Name()}";
            pod.Text("automountServiceAccountToken").Should().Be("false", because);
            pod.Text("securityContext", "runAsNonRoot").Should().Be("true", because);
            pod.Text("securityContext", "runAsUser").Should().Be("1001", because);
            pod.Text("securityContext", "seccompProfile", "type").Should().Be("RuntimeDefault", because);
            foreach (var hostAccess in new[] { "hostNetwork", "hostPID", "hostIPC" })
            {
                pod.Text(hostAccess).Should().NotBe("true", because);
            }

            pod.List("volumes").Should().OnlyContain(volume => volume.At("hostPath") == null, because);

            var containers = pod.List("containers").Concat(pod.List("initContainers")).ToList();
            containers.Should().NotBeEmpty(because);
            foreach (var container in containers)
            {
                var where = $"{because}, container {container.Text("name")}";
                var security = container.Map("securityContext");
                security.Text("allowPrivilegeEscalation").Should().Be("false", where);
                security.Text("readOnlyRootFilesystem").Should().Be("true", where);
                security.Text("privileged").Should().NotBe("true", where);
                security.List("capabilities", "drop").Should().Contain("ALL", where);
                security.List("capabilities", "add").Should().BeEmpty(where);
                (security.Text("runAsNonRoot") ?? pod.Text("securityContext", "runAsNonRoot")).Should().Be("true", where);
                (security.Text("runAsUser") ?? pod.Text("securityContext", "runAsUser")).Should().Be("1001", where);
                (security.Text("seccompProfile", "type") ?? pod.Text("securityContext", "seccompProfile", "type")).Should().Be("RuntimeDefault", where);
                container.Text("resources", "limits", "memory").Should().NotBeNullOrEmpty(where);
                container.Text("image").Should().NotEndWith(":latest", where).And.Contain(":", where);
            }

            // A read-only root needs its writable places declared: /tmp at least.
            containers.SelectMany(c => c.List("volumeMounts")).Select(m => m.Text("mountPath")).Should().Contain("/tmp", because);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_control_plane_has_probes_a_disruption_budget_and_anti_affinity(string kustomization)
    {
        var resources = KubernetesManifests.Render(kustomization);
        var deployment = resources.Single(r => r.Kind() == "Deployment" && r.Name() == "argy-controlplane");
        var pod = PodSpec(deployment);
        var container = pod.List("containers").Single();
        var labels = deployment.Map("spec", "template", "metadata", "labels");

        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            container.Text(probe, "httpGet", "path").Should().Be("/healthz", probe);
        }

        var budget = resources.Single(r => r.Kind() == "PodDisruptionBudget" && r.Name() == "argy-controlplane");
        budget.Map("spec", "selector", "matchLabels").Should().NotBeEmpty().And.Subject.Should().BeSubsetOf(labels);
        (budget.Text("spec", "maxUnavailable") ?? budget.Text("spec", "minAvailable")).Should().NotBeNull();

        var antiAffinity = pod.Map("affinity", "podAntiAffinity");
        antiAffinity.Should().NotBeEmpty();
        var term = antiAffinity.List("preferredDuringSchedulingIgnoredDuringExecution").Single().Map("podAffinityTerm");
        term.Text("topologyKey").Should().Be("kubernetes.io/hostname");
        term.Map("labelSelector", "matchLabels").Should().BeSubsetOf(labels);

        // SQLite on a ReadWriteOnce volume: never two pods at once.
        deployment.Text("spec", "replicas").Should().Be("1");
        deployment.Text("spec", "strategy", "type").Should().Be("Recreate");
        container.List("env").Select(e => e.Text("name")).Should().Contain(["Argy__Server__Http", "Argy__Server__Grpc", "Argy__Storage__DatabasePath"]);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_agent_reads_its_credential_from_a_read_only_secret_and_drains_before_it_is_killed(string kustomization)
    {
        var deployment = KubernetesManifests.Render(kustomization).Single(r => r.Kind() == "Deployment" && r.Name() == "argy-agent");
        var pod = PodSpec(deployment);
        var container = pod.List("containers").Single();
        var mounts = container.List("volumeMounts").ToDictionary(m => m.Text("mountPath")!, m => m);
        var volumes = pod.List("volumes").ToDictionary(v => v.Text("name")!, v => v);

        var credential = mounts["/var/lib/argy-agent/agent.json"];
        credential.Text("readOnly").Should().Be("true");
        credential.Text("subPath").Should().Be("agent.json");
        volumes[credential.Text("name")!].Text("secret", "secretName").Should().Be("argy-agent-credential");
        volumes[mounts["/var/lib/argy-agent"].Text("name")!].At("emptyDir").Should().NotBeNull("the agent spools output in its state directory");
        volumes[mounts["/work"].Text("name")!].At("emptyDir").Should().NotBeNull();
        volumes[mounts["/tmp"].Text("name")!].At("emptyDir").Should().NotBeNull();

        // One process per agent identity: a second one would supersede the first.
        deployment.Text("spec", "replicas").Should().Be("1");
        deployment.Text("spec", "strategy", "type").Should().Be("Recreate");
        int.Parse(pod.Text("terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeGreaterThanOrEqualTo(75, "as long as the systemd unit's TimeoutStopSec: the agent drains its jobs");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Network_policies_deny_by_default_and_allow_only_ingress_to_control_plane_and_agent_to_443(string kustomization)
    {
        var resources = KubernetesManifests.Render(kustomization);
        var policies = resources.Where(r => r.Kind() == "NetworkPolicy").ToList();

        var denyAll = policies.Single(p => p.Name() == "default-deny-all");
        denyAll.Map("spec", "podSelector").Should().BeEmpty();
        denyAll.List("spec", "policyTypes").Should().BeEquivalentTo(["Ingress", "Egress"]);
        denyAll.At("spec", "ingress").Should().BeNull();
        denyAll.At("spec", "egress").Should().BeNull();

        // Nothing may come in except to the control plane, and only from the ingress controller's namespace.
        var ingressRules = policies.Where(p => p.At("spec", "ingress") is not null).ToList();
        ingressRules.Select(p => p.Text("spec", "podSelector", "matchLabels", "app.kubernetes.io/name")).Should().OnlyContain(name => name == "argy-controlplane");
        foreach (var from in ingressRules.SelectMany(p => p.List("spec", "ingress")).SelectMany(rule => rule.List("from")))
        {
            from.Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").Should().Be("ingress-nginx");
        }

        // Egress: DNS for everyone; the agent reaches the control plane's ingress on 443.
        var agentEgress = policies.Where(p => p.Text("spec", "podSelector", "matchLabels", "app.kubernetes.io/name") == "argy-agent"
                                              && p.Name() == "agent-to-controlplane").Single();
        var rule = agentEgress.List("spec", "egress").Single();
        rule.List("ports").Select(p => p.Text("port")).Should().Equal("443");
        rule.List("to").Single().Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").Should().Be("ingress-nginx");
        var dns = policies.Single(p => p.Name() == "allow-dns");
        dns.Map("spec", "podSelector").Should().BeEmpty();
        dns.List("spec", "egress").SelectMany(r => r.List("ports")).Select(p => p.Text("port")).Should().OnlyContain(port => port == "53");
        policies.Where(p => p.Text("spec", "podSelector", "matchLabels", "app.kubernetes.io/name") == "argy-controlplane")
            .Should().OnlyContain(p => p.At("spec", "egress") == null, "the control plane needs no egress besides DNS");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Everything_lives_in_the_argy_namespace_which_enforces_the_restricted_pod_security_standard(string kustomization)
    {
        var resources = KubernetesManifests.Render(kustomization);

        var ns = resources.Single(r => r.Kind() == "Namespace");
        ns.Name().Should().Be("argy");
        ns.Text("metadata", "labels", "pod-security.kubernetes.io/enforce").Should().Be("restricted");
        resources.Where(r => r.Kind() != "Namespace").Should().OnlyContain(r => r.Text("metadata", "namespace") == "argy");
        resources.Where(r => r.Kind() == "Secret").Should().BeEmpty("credentials are created with kubectl, never committed");
    }

    private static Dictionary<object, object> PodSpec(Dictionary<object, object> workload) => workload.Kind() switch
    {
        "Pod" => workload.Map("spec"),
        "CronJob" => workload.Map("spec", "jobTemplate", "spec", "template", "spec"),
        _ => workload.Map("spec", "template", "spec"),
    };
}

"""OpenCost/Kubecost allocation exports: pods' shares of the nodes the store holds (GKE, AKS, any cluster)."""

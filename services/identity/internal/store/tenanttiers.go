package store

// TenantTiers are the API tiers of tenants' plans, as provisioning last
// reported them; tokens carry the tiers of their subject's tenants.
type TenantTiers interface {
	// TenantTier returns tenant's tier, or "" if none is known.
	TenantTier(tenant string) (string, error)
	// PutTenantTier records tenant's tier.
	PutTenantTier(tenant, tier string) error
	// DeleteTenantTier forgets tenant's tier; an unknown tenant is no error.
	DeleteTenantTier(tenant string) error
}

func (t boltTx) TenantTier(tenant string) (string, error) {
	return string(t.tx.Bucket(tenantTiers).Get([]byte(tenant))), nil
}

func (t boltTx) PutTenantTier(tenant, tier string) error {
	return t.tx.Bucket(tenantTiers).Put([]byte(tenant), []byte(tier))
}

func (t boltTx) DeleteTenantTier(tenant string) error {
	return t.tx.Bucket(tenantTiers).Delete([]byte(tenant))
}

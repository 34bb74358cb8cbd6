package identity_test

import (
	"fmt"

	"github.com/s321/s321/internal/identity"
)

func ExampleIdentity() {
	fmt.Println(identity.Identity(identity.Recipient{
		Name:         "Smith, Dr. John",
		AddressLine1: "123 North Main Street",
		AddressLine2: "Apartment 4-b",
		PostalCode:   "12345-6789",
	}))
	// Output: JOHN SMITH|123 N MAIN ST #4B|12345|US
}

func ExampleKeyer_Key() {
	keyer, err := identity.NewKeyer([]byte("a secret of at least 16 bytes"))
	if err != nil {
		fmt.Println(err)
		return
	}
	first := keyer.Key(identity.Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"})
	second := keyer.Key(identity.Recipient{Name: "ANN EXAMPLE", AddressLine1: "1 SAMPLE WAY", PostalCode: "12345-0001"})
	fmt.Println(len(first), first == second)
	// Output: 64 true
}

package manifest_test

import (
	"errors"
	"fmt"

	"github.com/s321/s321/internal/money"

	"github.com/s321/s321/internal/manifest"
)

func ExampleDecode() {
	m, err := manifest.Decode([]byte(`{
		"parcel_id": "PUB-1", "carrier": "DHL", "arrival_time": "2024-05-01T10:00:00-04:00",
		"recipient": {"name": "Ann Example", "address_line1": "1 Sample Way", "city": "Anytown", "state": "NY", "postal_code": "12345"},
		"items": [
			{"description": "cotton t-shirt", "origin_country": "vn", "value": "450.00"},
			{"description": "socks", "origin_country": "CN", "value": 12.5, "quantity": 3}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.ParcelID, m.Type, m.Mode, m.Recipient.Country)
	fmt.Println(m.ArrivalTime.UTC().Format("2006-01-02T15:04:05Z07:00"))
	for _, item := range m.Items {
		fmt.Println(item.OriginCountry, item.Quantity, money.Format(item.Value), item.Currency)
	}
	fmt.Println("value", money.Format(m.Value()))
	// Output:
	// PUB-1 parcel air US
	// 2024-05-01T14:00:00Z
	// VN 1 450.00 USD
	// CN 3 12.5 USD
	// value 462.50
}

func ExampleFieldError() {
	_, err := manifest.Decode([]byte(`{"parcel_id": "P-1", "carrier": "UPS", "arrival_time": "2025-03-01T15:04:05Z",
		"recipient": {"name": "A", "address_line1": "1", "city": "C", "state": "NY", "postal_code": "1"},
		"items": [{"description": "d", "origin_country": "CN", "value": "-5"}]}`))
	var fieldErr *manifest.FieldError
	if errors.As(err, &fieldErr) {
		fmt.Println(fieldErr.Field, "/", fieldErr.Rule)
	}
	fmt.Println(err)
	// Output:
	// items[0].value / must not be negative
	// items[0].value: must not be negative
}

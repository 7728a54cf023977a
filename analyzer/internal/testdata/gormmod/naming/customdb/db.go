// Package customdb opens the database with a naming strategy txvet does
// not read: the packages importing it have tables of unknown names.
package customdb

import (
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Open connects; NoLowerCase keeps the models' names as they are.
func Open(dsn string) (*gorm.DB, error) {
	return gorm.Open(postgres.Open(dsn), &gorm.Config{
		NamingStrategy: schema.NamingStrategy{NoLowerCase: true},
	})
}
